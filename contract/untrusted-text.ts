// Untrusted text (a Discord user's request, a GitHub issue, review comments) is data, never
// instructions: hidden and direction-changing characters are found and removed here. Shared
// by the change-request contract (strict recipe fields refuse them, free text is stripped)
// and the agent (prompts, PR bodies).
import { z } from "zod";

/** Bidi controls, zero-width and other invisible format characters. */
const HIDDEN = /[\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF\u00AD\u180E\u061C]/g;

/** C0/C1 control characters except tab and newline. */
function isControl(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c <= 0x08 || (c >= 0x0b && c <= 0x1f) || (c >= 0x7f && c <= 0x9f);
}

export function stripHidden(text: string): string {
  return Array.from(text.normalize("NFC").replace(HIDDEN, ""))
    .filter((ch) => !isControl(ch))
    .join("");
}

/** True when the text holds anything `stripHidden` would remove (for strict fields). */
export function hasHiddenOrControl(text: string): boolean {
  return new RegExp(HIDDEN.source).test(text) || Array.from(text).some(isControl);
}

/** A string shown to people as is: no control, zero-width or bidi characters, and not blank. */
export function visibleText(max: number, min = 1) {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((s) => !hasHiddenOrControl(s.replace(/\n/g, " ")), { message: "must not contain control, zero-width or bidi characters" })
    .refine((s) => s.trim().length >= min, { message: "must not be blank" });
}
