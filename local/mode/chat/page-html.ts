// The chat page: who you are, the channels and threads, the channel's messages, the reply to the
// interaction being followed and the command form. The live parts (nav, messages, reply, and
// the command form, whose hash is the registered commands' version) are also served alone, with
// a hash each, for the page's script to swap in what changed.
import { createHash } from "node:crypto";
import { raw } from "../../../contract/html.ts";
import { h, type SafeHtml } from "./markup.ts";
import { commandFormHtml } from "./command-form.ts";
import { LIVE_SCRIPT } from "./live-script.ts";
import { messageHtml, type MessageContext } from "./message-html.ts";
import { replyHtml } from "./reply-html.ts";
import { PAGE_STYLE } from "./style.ts";
import type { ChatView } from "./view.ts";

export interface Fragment {
  markup: SafeHtml;
  hash: string;
}
export interface LiveParts {
  nav: Fragment;
  messages: Fragment;
  reply: Fragment;
  /** The command form; redrawn when a command is registered, edited or removed. */
  command: Fragment;
}

/** What the command form shows besides the view: the command chosen and the values in its inputs. */
export interface FormState {
  chosen?: string;
  values: URLSearchParams;
}

const fragment = (h: SafeHtml): Fragment => ({ markup: h, hash: createHash("sha1").update(h.text).digest("base64url").slice(0, 12) });

/** `?as=…&channel=…` (and `&interaction=…`) relative to the pane's root. */
export function chatHref(viewer: string | undefined, channel: string, interaction?: string): string {
  const q = new URLSearchParams();
  if (viewer) q.set("as", viewer);
  q.set("channel", channel);
  if (interaction) q.set("interaction", interaction);
  return `./?${q.toString()}`;
}

function messageContext(v: ChatView): MessageContext {
  const users = new Map(Object.entries(v.guild.users).map(([name, id]) => [id, name]));
  const channels = new Map(Object.entries(v.guild.channels).map(([name, id]) => [id, name]));
  for (const t of v.threads) channels.set(t.id, t.name ?? t.id);
  const roles = new Map(Object.entries(v.guild.roles).map(([name, id]) => [id, name]));
  return {
    viewer: v.viewer ?? "",
    channel: v.channelId,
    names: { users, channels, roles },
    threadOf: (id) => {
      const t = v.threads.find((x) => x.id === id);
      return t ? { id: t.id, name: t.name ?? t.id } : undefined;
    },
    channelHref: (id) => chatHref(v.viewer, id),
  };
}

function commandArea(v: ChatView, f: FormState): SafeHtml {
  if (!v.viewer) return h`<p>Pick who you are (above) to run commands and press buttons.</p>`;
  return commandFormHtml({
    viewer: v.viewer,
    channel: v.channelId,
    entries: v.entries,
    chosen: v.entries.find((e) => e.value === f.chosen),
    values: f.values,
    guild: v.guild,
    threads: v.threads,
  });
}

export function liveParts(v: ChatView, form: FormState, now = Date.now()): LiveParts {
  const ctx = messageContext(v);
  const threadIds = new Set(v.threads.map((t) => t.id));
  const link = (id: string, label: string) =>
    h`<a href="${chatHref(v.viewer, id)}"${id === v.channelId ? h` aria-current="page"` : ""}>${label}</a>`;
  const channels = Object.entries(v.guild.channels)
    .filter(([, id]) => !threadIds.has(id))
    .map(([name, id]) => {
      const threads = v.threads.filter((t) => t.parent_id === id).map((t) => h`<li>${link(t.id, `🧵 ${t.name ?? t.id}`)}</li>`);
      return h`<li>${link(id, `#${name}`)}${threads.length ? h`<ul>${threads}</ul>` : ""}</li>`;
    });
  const nav = h`<h2>Channels</h2><ul>${channels}</ul>`;
  const messages = v.messages.length
    ? h`${v.messages.slice(-100).map((m) => messageHtml(m, ctx))}`
    : h`<li class="empty" data-id="empty">No messages here yet.</li>`;
  const f = v.followed;
  const reply = f
    ? replyHtml({ ...f, viewerId: v.viewerId, ctx, now })
    : h`<p class="hint">Run a command or press a button: Ouro’s answer shows here as it comes.</p>`;
  // The form's hash is the commands' version, not its markup: typed values never count as a change.
  const command = { markup: commandArea(v, form), hash: v.commandsVersion };
  return { nav: fragment(nav), messages: fragment(messages), reply: fragment(reply), command };
}

export interface PageExtras {
  people: Record<string, string>;
  /** A refused action or a bad address, in plain words. */
  error?: string;
  /** The command form's values (after "Choose", or a refused run). */
  values: URLSearchParams;
  chosen?: string;
}

export function pageHtml(v: ChatView, x: PageExtras): string {
  const parts = liveParts(v, { chosen: x.chosen, values: x.values });
  const roleOf = new Map(Object.entries(x.people).map(([role, name]) => [name, role]));
  const who = Object.keys(v.guild.users).map(
    (u) => h`<option value="${u}"${u === v.viewer ? h` selected` : ""}>${u}${roleOf.has(u) ? ` (${roleOf.get(u)})` : ""}</option>`,
  );
  const live = new URLSearchParams();
  if (v.viewer) live.set("as", v.viewer);
  live.set("channel", v.channelId);
  if (v.followed) live.set("interaction", v.followed.interaction.id);
  const chosen = v.entries.find((e) => e.value === x.chosen);
  if (chosen) live.set("command", chosen.value);
  const errors = [...v.problems, ...(x.error ? [x.error] : [])].map((e) => h`<p role="alert" class="error">${e}</p>`);
  const title = `#${v.channelName}`;
  return h`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}${v.viewer ? ` as ${v.viewer}` : ""} — Ouro chat (local)</title>
<style>${raw(PAGE_STYLE)}</style></head>
<body data-live="live?${live.toString()}">
<header><h1>Chat <span class="guild">— ${v.guild.name}</span></h1>
<form class="whoami" method="get" action="./"><label for="as">You are</label> <select id="as" name="as">${v.viewer ? "" : h`<option value="">Pick someone</option>`}${who}</select><input type="hidden" name="channel" value="${v.channelId}"> <button type="submit">Switch</button></form>
</header>
<div class="layout">
<nav aria-label="Channels" data-hash="${parts.nav.hash}">${parts.nav.markup}</nav>
<main>
${errors}<h2 id="channel-title">${title}</h2>
<ol id="messages" aria-labelledby="channel-title" data-hash="${parts.messages.hash}">${parts.messages.markup}</ol>
<section id="reply" aria-live="polite" aria-label="Ouro’s answer" data-hash="${parts.reply.hash}">${parts.reply.markup}</section>
<div id="command-area" data-hash="${parts.command.hash}">${parts.command.markup}</div>
<p id="command-status" class="hint" role="status"></p>
</main></div>
<script>${raw(LIVE_SCRIPT)}</script>
</body></html>`.text;
}
