// The review pane's HTML template: every interpolated value is escaped unless it is SafeHtml
// (markup this template made). Local mode may not import the app (test/layout/boundaries),
// so this is the pane's own copy of the console's few lines.

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

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\``: every value escaped unless it is SafeHtml; arrays joined; null, undefined and false left out. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** This pane's own constant style and script. Never call it with text from a request or from GitHub. */
export const raw = (markup: string): SafeHtml => new SafeHtml(markup);
