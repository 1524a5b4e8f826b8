// Learning from feedback: pick the past review comments and rejected / rolled-back verdicts
// whose requests look most like this one (word overlap), newest first among equals.
import type { FeedbackItem } from "./prompt.ts";
import { stripHidden } from "./sanitize.ts";

export interface FeedbackRecord extends FeedbackItem {
  /** The earlier request's text (what the feedback was about). */
  request: string;
  /** Epoch ms, for recency. */
  at: number;
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
]);

export function words(text: string): Set<string> {
  return new Set(
    stripHidden(text)
      .toLowerCase()
      .split(/[^\p{L}\p{N}/]+/u)
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

/** Up to `limit` records about requests similar to `text` (similarity ≥ minScore). */
export function selectFeedback(text: string, history: FeedbackRecord[], limit = 5, minScore = 0.15): FeedbackItem[] {
  return history
    .map((r) => ({ r, score: similarity(text, r.request) }))
    .filter((x) => x.score >= minScore)
    .sort((x, y) => y.score - x.score || y.r.at - x.r.at)
    .slice(0, limit)
    .map(({ r }) => ({ kind: r.kind, request: r.request, text: r.text, verdict: r.verdict }));
}
