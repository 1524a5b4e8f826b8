// HTML for the console's pages (app/console) and local mode's panes (local/mode): one tagged
// template that escapes every value put into it, and `raw()` for markup that was built by this
// template already (or by highlight.js, which escapes what it highlights). Nothing else writes
// HTML, so nothing reaches a page unescaped.

/** Markup that is already safe to put in a page as it is. */
export class SafeHtml {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

/** A value as markup: SafeHtml as it is, arrays joined, null/undefined/false as nothing, the rest escaped. */
function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\``: every interpolated value escaped unless it is SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Markup someone else made safe (highlight.js output). Never call it with text from a request. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
