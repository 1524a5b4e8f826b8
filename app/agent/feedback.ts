// Learning from feedback: from what happened to earlier changes (review comments, rejected
// PRs, failed checks, rollbacks), pick what this request should learn from — recent
// rollbacks first (a change that broke the live bot is a warning for every change), then
// the feedback on requests that look most like this one (word overlap), newest first
// among equals. Unrelated feedback stays out of the prompt.
import type { FeedbackItem } from "./prompt.ts";
import { stripHidden } from "./sanitize.ts";

export interface FeedbackRecord extends FeedbackItem {
  /** The earlier request's text (what the feedback was about). */
  request: string;
  /** Epoch ms, for recency. */
  at: number;
}

export interface SelectOptions {
  /** At most this many items (default 5). */
  limit?: number;
  /** The least similarity (0..1) for an item to count as relevant (default 0.15). */
  minScore?: number;
  /** Rollbacks newer than this many ms come first whatever the request (default 7 days); 0 = none. */
  recentRollbackMs?: number;
  /** At most this many of those rollbacks (default 2). */
  maxRollbacks?: number;
  now?: number;
}

const STOP = new Set([
  "the",
  "a",
  "an",
  "to",
  "and",
  "or",
  "of",
  "for",
  "in",
  "on",
  "with",
  "that",
  "this",
  "it",
  "is",
  "be",
  "please",
  "add",
  "make",
  "bot",
  "ouro",
  "can",
  "you",
  "me",
  "my",
  "i",
  "we",
  "us",
  "new",
  "command",
  "commands",
  "plugin",
  "plugins",
  "feature",
  "want",
  "would",
  "like",
  "could",
  "should",
  "some",
  "also",
  "just",
  "from",
  "by",
  "at",
  "as",
  "are",
  "so",
]);

export function words(text: string): Set<string> {
  return new Set(
    stripHidden(text)
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 1 && !STOP.has(w)),
  );
}

/** Jaccard similarity of the two texts' word sets (0..1). */
export function similarity(a: string, b: string): number {
  const wa = words(a);
  const wb = words(b);
  if (wa.size === 0 || wb.size === 0) return 0;
  let common = 0;
  for (const w of wa) if (wb.has(w)) common++;
  return common / (wa.size + wb.size - common);
}

/**
 * Up to `limit` items for a request with this text, out of `history` (newest first; items
 * without `at` keep their order): recent rollbacks first, then the items about similar
 * requests (similarity ≥ minScore; an item without its request is judged by its own text),
 * most similar first. The same feedback is given once.
 */
export function selectFeedback(text: string, history: FeedbackItem[], opts: SelectOptions = {}): FeedbackItem[] {
  const { limit = 5, minScore = 0.15, recentRollbackMs = 7 * 86_400_000, maxRollbacks = 2, now = Date.now() } = opts;
  const seen = new Set<string>();
  const unique = history.filter((f) => {
    const key = JSON.stringify([f.kind, f.request ?? "", f.text]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const at = (f: FeedbackItem) => f.at ?? 0;
  const rollbacks = unique
    .filter((f) => f.kind === "rolled-back" && f.at !== undefined && now - f.at <= recentRollbackMs)
    .sort((x, y) => at(y) - at(x))
    .slice(0, maxRollbacks);
  const relevant = unique
    .filter((f) => !rollbacks.includes(f))
    .map((f, order) => ({ f, order, score: similarity(text, f.request ?? f.text) }))
    .filter((x) => x.score >= minScore)
    .sort((x, y) => y.score - x.score || at(y.f) - at(x.f) || x.order - y.order)
    .map(({ f }) => f);
  return [...rollbacks, ...relevant].slice(0, limit).map(({ kind, request, text: t, verdict }) => ({
    kind,
    ...(request !== undefined ? { request } : {}),
    text: t,
    ...(verdict !== undefined ? { verdict } : {}),
  }));
}
