// Hidden markers let the app find its own comments and issues again after a restart,
// without trusting anyone else's text: a marker only counts in a comment the App wrote.
export const DASHBOARD_MARKER = "<!-- ouro:dashboard -->";
export const progressMarker = (changeId: string) => `<!-- ouro:progress:${changeId} -->`;
export const changeMarker = (changeId: string) => `<!-- ouro:change:${changeId} -->`;

const CHANGE_RE = /<!-- ouro:change:([a-z0-9][a-z0-9-]{0,99}) -->/;

export function changeIdIn(body: string | null | undefined): string | null {
  return CHANGE_RE.exec(body ?? "")?.[1] ?? null;
}

/** Text from users shown inside our comments: no HTML comments (markers), no mentions, one line. */
export function quoteUser(text: string, max = 200): string {
  const one = text
    .replace(/<!--|-->/g, "")
    .replace(/@/g, "@\u200b")
    .replace(/\s+/g, " ")
    .trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
