// Hidden markers let the app find its own comments and issues again after a restart,
// without trusting anyone else's text: a marker only counts in a comment the App wrote.
// The change marker is the change request's (contract/change-request.ts): one definition.
import { changeIdIn, changeMarker } from "../../contract/change-request.ts";

export { changeIdIn, changeMarker };

export const DASHBOARD_MARKER = "<!-- ouro:dashboard -->";
export const progressMarker = (changeId: string) => `<!-- ouro:progress:${changeId} -->`;

const ANY_CHANGE_MARKER = /<!-- ouro:change:[^>]*-->\n?/g;

/** A PR body with exactly one change marker, this change's, at the end (any other is removed). */
export function withChangeMarker(body: string, changeId: string): string {
  return `${body.replace(ANY_CHANGE_MARKER, "").trimEnd()}\n\n${changeMarker(changeId)}`;
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
