// Trojan Source (CVE-2021-42574) and invisible characters, in any text file and in paths.
// Bidi controls are always flagged; zero-width joiners are allowed inside emoji sequences,
// and emoji variation selectors (U+FE0E/FE0F) are allowed, so ordinary emoji text passes.
import type { ChangedFile } from "../types.ts";
import { addedLinesOf, type Emit } from "./context.ts";

const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/gu;
// zero-width and invisible: ZWSP, ZWNJ, ZWJ, word joiner & invisible operators, BOM, soft hyphen,
// Mongolian vowel separator, Hangul fillers, combining grapheme joiner, tag characters, VS17-256
// (the combining ones outside the class, so nobody reads it as matching a sequence)
const INVISIBLE =
  /[\u200B-\u200D\u2060-\u2064\uFEFF\u00AD\u180E\u3164\u115F\uFFA0\u{E0000}-\u{E007F}]|\u1160|\u034F|[\u{E0100}-\u{E01EF}]/gu;
const PICTOGRAPHIC = /\p{Extended_Pictographic}|[\u{1F3FB}-\u{1F3FF}]|\uFE0F/u;

function codepoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

function emojiJoiner(text: string, index: number): boolean {
  if (text[index] !== "\u200D") return false;
  const before = String.fromCodePoint(text.codePointAt(index - 2) ?? 0) + (text[index - 1] ?? "");
  const after = String.fromCodePoint(text.codePointAt(index + 1) ?? 0);
  return PICTOGRAPHIC.test(before) && PICTOGRAPHIC.test(after);
}

export function suspiciousCharacters(text: string): { column: number; kind: "bidi" | "invisible"; char: string }[] {
  const hits: { column: number; kind: "bidi" | "invisible"; char: string }[] = [];
  for (const m of text.matchAll(BIDI)) hits.push({ column: m.index + 1, kind: "bidi", char: m[0] });
  for (const m of text.matchAll(INVISIBLE)) {
    if (m[0] === "\uFEFF" && m.index === 0) continue; // a BOM at the start of a line is checked by the caller
    if (emojiJoiner(text, m.index)) continue;
    hits.push({ column: m.index + 1, kind: "invisible", char: m[0] });
  }
  return hits.sort((a, b) => a.column - b.column);
}

export function checkUnicode(file: ChangedFile, emit: Emit): void {
  for (const path of new Set([file.path, file.oldPath].filter((p): p is string => p !== undefined))) {
    for (const hit of suspiciousCharacters(path)) {
      emit({
        rule: `unicode/${hit.kind}`,
        severity: "error",
        file: file.path,
        message: `path contains ${hit.kind} character ${codepoint(hit.char)}`,
      });
    }
  }
  for (const { line, text } of addedLinesOf(file)) {
    const hits = suspiciousCharacters(line === 1 ? text.replace(/^\uFEFF/, "") : text);
    if (line !== 1 && text.startsWith("\uFEFF")) hits.unshift({ column: 1, kind: "invisible", char: "\uFEFF" });
    for (const hit of hits) {
      emit({
        rule: `unicode/${hit.kind}`,
        severity: "error",
        file: file.path,
        line,
        column: hit.column,
        message:
          hit.kind === "bidi"
            ? `bidirectional control character ${codepoint(hit.char)} can make code read differently than it runs (Trojan Source)`
            : `invisible character ${codepoint(hit.char)}`,
      });
    }
  }
}
