// The `#reply` section: how the bot answered one interaction — waiting, thinking (deferred), the
// reply and its edits, follow-ups, an updated message, or a modal to fill in. Ephemeral messages
// are shown only to the person who made the interaction, as on Discord.
import { ComponentType, InteractionResponseType as R, InteractionType, MessageFlags } from "discord-api-types/v10";
import { h, type SafeHtml } from "./markup.ts";
import type { InteractionView, MessageView } from "./driver-client.ts";
import { messageHtml, type MessageContext } from "./message-html.ts";

/** Discord gives the bot 3 s for its first answer. */
const CALLBACK_WINDOW_MS = 3_000;

export interface ReplyInput {
  interaction: InteractionView;
  /** The @original message (if any) and the follow-ups, as now stored. */
  original?: MessageView;
  followUps: MessageView[];
  viewerId: string | undefined;
  /** Who made it (username). */
  by: string;
  ctx: MessageContext;
  now: number;
}

export function replyHtml(r: ReplyInput): SafeHtml {
  const i = r.interaction;
  const own = r.viewerId === i.user_id;
  const what =
    i.type === InteractionType.ApplicationCommand
      ? `/${i.command_name ?? "command"}`
      : i.type === InteractionType.ModalSubmit
        ? "the form"
        : "the click";
  const visible = (m: MessageView | undefined): m is MessageView => !!m && (own || !((m.flags ?? 0) & MessageFlags.Ephemeral));
  const messages = [r.original, ...r.followUps].filter(visible);
  const modal = i.callback_type === R.Modal && own && i.modal ? modalHtml(i, r.ctx) : "";
  const list = messages.length ? h`<ol class="reply-messages">${messages.map((m) => messageHtml(m, r.ctx))}</ol>` : "";
  return h`<h2>${own ? "Your" : `${r.by}’s`} ${what}</h2>
<p class="state" data-state="${state(r)}">${stateText(r, what)}</p>
${modal}${list}`;
}

type State = "waiting" | "timed-out" | "thinking" | "replied" | "updated" | "modal";

function state(r: ReplyInput): State {
  const cb = r.interaction.callback_type;
  if (cb === undefined) return r.now - r.interaction.created_at > CALLBACK_WINDOW_MS ? "timed-out" : "waiting";
  if (cb === R.Modal) return "modal";
  if (cb === R.DeferredChannelMessageWithSource && (r.original?.flags ?? 0) & MessageFlags.Loading) return "thinking";
  if (cb === R.DeferredMessageUpdate || cb === R.UpdateMessage) return "updated";
  return "replied";
}

function stateText(r: ReplyInput, what: string): string {
  switch (state(r)) {
    case "waiting":
      return `Sent ${what}; waiting for Ouro to answer…`;
    case "timed-out":
      return `Ouro did not answer ${what} within 3 seconds; Discord shows “The application did not respond”.`;
    case "thinking":
      return "Ouro is thinking…";
    case "modal":
      return r.viewerId === r.interaction.user_id ? "Ouro asks you to fill in a form." : `Ouro showed ${r.by} a form.`;
    case "updated":
      return "Ouro updated the message.";
    case "replied":
      return r.followUps.length
        ? `Ouro answered, with ${r.followUps.length} follow-up${r.followUps.length > 1 ? "s" : ""}.`
        : "Ouro answered.";
  }
}

interface TextInput {
  custom_id: string;
  label?: string;
  style?: number;
  required?: boolean;
  value?: string;
  placeholder?: string;
}

/** A modal's text inputs, whether in action rows or in labels (components v2). */
function modalInputs(modal: NonNullable<InteractionView["modal"]>): TextInput[] {
  const out: TextInput[] = [];
  const walk = (node: unknown, label?: string) => {
    if (!node || typeof node !== "object") return;
    const c = node as { type?: number; label?: string; components?: unknown[]; component?: unknown } & TextInput;
    if (c.type === ComponentType.TextInput) out.push({ ...c, label: c.label ?? label });
    for (const child of c.components ?? []) walk(child, label);
    walk(c.component, c.label);
  };
  for (const c of modal.components ?? []) walk(c);
  return out;
}

function modalHtml(i: InteractionView, ctx: MessageContext): SafeHtml {
  const modal = i.modal!;
  const fields = modalInputs(modal).map((t) => {
    const id = `field-${t.custom_id}`;
    const attrs = h`id="${id}" name="field.${t.custom_id}"${t.required !== false ? h` required` : ""}${t.placeholder ? h` placeholder="${t.placeholder}"` : ""}`;
    const input =
      t.style === 2 ? h`<textarea ${attrs}>${t.value ?? ""}</textarea>` : h`<input type="text" ${attrs} value="${t.value ?? ""}">`;
    return h`<div class="option"><label for="${id}">${t.label ?? t.custom_id}</label> ${input}</div>`;
  });
  return h`<form class="modal" method="post" action="modal"><fieldset><legend>${modal.title ?? "Form"}</legend>
<input type="hidden" name="as" value="${ctx.viewer}"><input type="hidden" name="channel" value="${ctx.channel}"><input type="hidden" name="interaction" value="${i.id}">
${fields}
<button type="submit">Submit</button></fieldset></form>`;
}
