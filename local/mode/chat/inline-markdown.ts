// Discord's inline markdown, the part a reader of Ouro's messages meets: `code`, **bold**,
// [masked](https://links), bare https:// links, and mentions (<@user>, <#channel>, <@&role>)
// shown by name. Everything else stays text (escaped by the template).
import { h, type SafeHtml } from "./markup.ts";

export interface Names {
  users: Map<string, string>;
  channels: Map<string, string>;
  roles: Map<string, string>;
}

const TOKEN =
  /`([^`\n]+)`|\*\*([^*\n]+)\*\*|\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>]*[^\s<>().,;:!?'"])|<(@!?|#|@&)(\d+)>/g;

export function inlineMarkdown(text: string, names: Names, channelHref: (id: string) => string): SafeHtml[] {
  const parts: SafeHtml[] = [];
  let at = 0;
  for (const m of text.matchAll(TOKEN)) {
    parts.push(h`${text.slice(at, m.index)}`);
    const [, code, bold, label, href, url, kind, id] = m;
    if (code !== undefined) parts.push(h`<code>${code}</code>`);
    else if (bold !== undefined) parts.push(h`<strong>${bold}</strong>`);
    else if (label !== undefined) parts.push(h`<a href="${href}" rel="noopener noreferrer">${label}</a>`);
    else if (url !== undefined) parts.push(h`<a href="${url}" rel="noopener noreferrer">${url}</a>`);
    else if (kind === "#") {
      const name = names.channels.get(id);
      parts.push(name ? h`<a href="${channelHref(id)}">#${name}</a>` : h`#${id}`);
    } else {
      const name = (kind === "@&" ? names.roles : names.users).get(id);
      parts.push(h`<span class="mention">@${name ?? id}</span>`);
    }
    at = m.index + m[0].length;
  }
  parts.push(h`${text.slice(at)}`);
  return parts;
}
