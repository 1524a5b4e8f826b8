// Recognises "please add X to the bot" in conversation, so it can be offered as a
// /feature request instead of being answered as chat.
const ASK = String.raw`(?:(?:hey|ok|so|ouro)[\s,!]+)?(?:(?:could|can|would|will)\s+you\s+(?:please\s+)?|please\s+|pls\s+|i\s+(?:want|would\s+like)\s+you\s+to\s+)?`;
const VERB = String.raw`(?:add|create|make|build|implement|teach|give)`;
const TARGET = String.raw`(?:to|for|in|into)\s+(?:the\s+|this\s+|your\s+)?(?:bot|ouro|yourself|server\s+bot)`;
const PATTERN = new RegExp(String.raw`^${ASK}${VERB}\s+(.+?)\s+${TARGET}\b[\s.!?]*$`, "i");
const SELF = new RegExp(String.raw`^${ASK}(?:add|teach)\s+(?:yourself|ouro)\s+(.+?)[\s.!?]*$`, "i");

/** The requested feature ("a /dance command"), or undefined when the text is not such a request. */
export function featureIntent(text: string): string | undefined {
  const t = text.trim();
  const m = PATTERN.exec(t) ?? SELF.exec(t);
  return m ? m[1].trim() : undefined;
}
