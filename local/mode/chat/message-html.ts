// One Discord message as the chat pane shows it: author, content (mentions by name), embeds
// (title, description, fields), attachments, reactions and components — buttons post a click,
// string selects post a choice, link buttons are links.
import { ButtonStyle, ComponentType, InteractionType, MessageFlags } from "discord-api-types/v10";
import type { APIEmbed, APIMessageTopLevelComponent } from "discord-api-types/v10";
import { h, type SafeHtml } from "./markup.ts";
import { inlineMarkdown, type Names } from "./inline-markdown.ts";
import type { MessageView } from "./driver-client.ts";

/** What a message needs from its surroundings to be shown. */
export interface MessageContext {
  viewer: string;
  /** The channel the page shows (forms come back to it). */
  channel: string;
  names: Names;
  /** Threads started from a message, by the message's id (a thread's id is its message's id). */
  threadOf: (messageId: string) => { id: string; name: string } | undefined;
  channelHref: (channelId: string) => string;
}

export function messageHtml(m: MessageView, ctx: MessageContext): SafeHtml {
  const flags = m.flags ?? 0;
  const thread = ctx.threadOf(m.id);
  const meta = h`<p class="meta"><strong class="author">${m.author.global_name ?? m.author.username}</strong>${m.author.bot ? h` <span class="tag">app</span>` : ""} <time datetime="${m.timestamp}">${m.timestamp.slice(11, 16)}</time>${m.edited_timestamp ? h` <span class="edited">(edited)</span>` : ""}${flags & MessageFlags.Ephemeral ? h` <span class="tag">only you can see this</span>` : ""}</p>`;
  const body = [
    usedHtml(m),
    flags & MessageFlags.Loading ? h`<p class="thinking">${m.author.username} is thinking…</p>` : "",
    m.content ? h`<div class="content">${inlineMarkdown(m.content, ctx.names, ctx.channelHref)}</div>` : "",
    (m.embeds ?? []).map((e) => embedHtml(e, ctx)),
    attachmentsHtml(m),
    reactionsHtml(m),
    componentsHtml(m, ctx),
    thread ? h`<p class="thread">Thread: <a href="${ctx.channelHref(thread.id)}">${thread.name}</a></p>` : "",
  ];
  return h`<li class="message" data-id="${m.id}">${meta}${body}</li>`;
}

/** "max used /echo" above an answer to a command (a click or a form says so too). */
function usedHtml(m: MessageView): SafeHtml | "" {
  const i = m.interaction;
  if (!i) return "";
  const what =
    i.type === InteractionType.ApplicationCommand
      ? `used /${i.name}`
      : i.type === InteractionType.ModalSubmit
        ? "sent a form"
        : "pressed a button";
  return h`<p class="used">${i.user.username} ${what}</p>`;
}

function embedHtml(e: APIEmbed, ctx: MessageContext): SafeHtml {
  const md = (text: string) => inlineMarkdown(text, ctx.names, ctx.channelHref);
  const color = e.color !== undefined ? `#${e.color.toString(16).padStart(6, "0")}` : "#8a8f98";
  const title = e.title
    ? h`<p class="embed-title">${e.url ? h`<a href="${e.url}">${e.title}</a>` : h`<strong>${e.title}</strong>`}</p>`
    : "";
  const fields = e.fields?.length
    ? h`<dl class="embed-fields">${e.fields.map((f) => h`<div${f.inline ? h` class="inline"` : ""}><dt>${f.name}</dt><dd>${md(f.value)}</dd></div>`)}</dl>`
    : "";
  return h`<div class="embed" style="border-left-color:${color}">${e.author?.name ? h`<p class="embed-author">${e.author.name}</p>` : ""}${title}${e.description ? h`<div class="embed-description">${md(e.description)}</div>` : ""}${fields}${e.footer?.text ? h`<p class="embed-footer">${e.footer.text}</p>` : ""}</div>`;
}

function attachmentsHtml(m: MessageView): SafeHtml | "" {
  if (!m.attachments?.length) return "";
  return h`<p class="attachments">Attached: ${m.attachments.map((a, i) => h`${i ? ", " : ""}${a.filename}`)}</p>`;
}

function reactionsHtml(m: MessageView): SafeHtml | "" {
  if (!m.reactions?.length) return "";
  return h`<p class="reactions">${m.reactions.map((r) => h`<span class="reaction">${r.emoji.name ?? "?"} ${r.count}</span> `)}</p>`;
}

/** Action rows: one form per row; a button posts its custom_id, a string select its values, a link button is a link. */
function componentsHtml(m: MessageView, ctx: MessageContext): SafeHtml[] {
  const rows = (m.components ?? []) as APIMessageTopLevelComponent[];
  const hidden = h`<input type="hidden" name="as" value="${ctx.viewer}"><input type="hidden" name="channel" value="${ctx.channel}"><input type="hidden" name="message" value="${m.id}">`;
  return rows.map((row) => {
    if (row.type !== ComponentType.ActionRow) return h``;
    const items = row.components.map((c) => {
      if (c.type === ComponentType.Button) {
        if (c.style === ButtonStyle.Premium) return h``;
        const label = c.label ?? c.emoji?.name ?? "button";
        if (c.style === ButtonStyle.Link) return h`<a class="button" href="${c.url}" rel="noopener noreferrer">${label}</a>`;
        return h`<button class="style-${c.style}" name="custom_id" value="${c.custom_id}"${c.disabled ? h` disabled` : ""}>${label}</button>`;
      }
      if (c.type === ComponentType.StringSelect) {
        const id = `select-${m.id}-${c.custom_id}`;
        const off = c.disabled ? h` disabled` : "";
        const options = c.options.map((o) => h`<option value="${o.value}"${o.default ? h` selected` : ""}>${o.label}</option>`);
        return h`<span class="select"><label for="${id}">${c.placeholder ?? "Choose"}</label> <select id="${id}" name="values"${(c.max_values ?? 1) > 1 ? h` multiple` : ""}${off}>${options}</select> <button name="select" value="${c.custom_id}"${off}>Pick</button></span>`;
      }
      return h``;
    });
    return h`<form class="components" method="post" action="click">${hidden}${items}</form>`;
  });
}
