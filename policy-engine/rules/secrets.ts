// Secrets in added lines: known token formats (any text file) and high-entropy string
// literals (from the syntax tree for code; quoted strings for other text files).
import type { ChangedFile } from "../types.ts";
import { matcherFor } from "../policy/globs.ts";
import { addedLinesOf, type Emit, type RuleContext } from "./context.ts";

/** A string literal found in added code, from the syntax tree. */
export interface StringLiteral {
  value: string;
  line: number;
  column: number;
}

export const BUILTIN_SECRET_PATTERNS: { name: string; regex: RegExp; what: string }[] = [
  { name: "github-token", regex: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b/, what: "GitHub token" },
  { name: "github-token", regex: /\bgithub_pat_[A-Za-z0-9_]{50,255}\b/, what: "GitHub fine-grained token" },
  { name: "discord-token", regex: /\b[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}\b/, what: "Discord bot token" },
  { name: "openai-key", regex: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}(?:T3BlbkFJ[A-Za-z0-9_-]{20,})?/, what: "OpenAI API key" },
  { name: "private-key", regex: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/, what: "private key" },
  { name: "aws-key", regex: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/, what: "AWS access key id" },
  { name: "aws-key", regex: /aws_?secret_?access_?key\W{0,5}[:=]\W{0,5}[A-Za-z0-9/+=]{40}\b/i, what: "AWS secret access key" },
  { name: "slack-token", regex: /\bxox[abposr]-[A-Za-z0-9-]{10,}/, what: "Slack token" },
  {
    name: "discord-webhook",
    regex: /discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks\/\d{15,25}\/[\w-]{40,}/i,
    what: "Discord webhook URL (its token lets anyone post)",
  },
  { name: "npm-token", regex: /\bnpm_[A-Za-z0-9]{36}\b/, what: "npm token" },
  { name: "google-api-key", regex: /\bAIza[0-9A-Za-z_-]{35}\b/, what: "Google API key" },
  { name: "stripe-key", regex: /\b(?:sk|rk)_live_[0-9A-Za-z]{24,}\b/, what: "Stripe live key" },
];

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  const n = [...s].length;
  for (const c of counts.values()) {
    const p = c / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^(?:0x)?[0-9a-f]+$/i;
const INTEGRITY = /^sha(?:1|256|384|512)-/;
const TOKEN_CHARS = /^[A-Za-z0-9+/=_.~-]+$/;

/** A random-looking token: long, no spaces, mixed character classes, high entropy. */
export function looksRandom(value: string, minLength: number, threshold: number): boolean {
  if (value.length < minLength || value.length > 1000 || /\s/.test(value)) return false;
  if (!TOKEN_CHARS.test(value) || /^\.{1,2}\//.test(value)) return false; // regexes, prose, relative paths
  if (UUID.test(value) || HEX.test(value) || INTEGRITY.test(value)) return false;
  // a JWT header or header.payload (base64 JSON) is not a credential without its signature
  if (value.startsWith("eyJ") && value.split(".").length < 3) return false;
  // random tokens mix upper case, lower case and digits; identifiers, package names,
  // model ids and kebab/snake words rarely have all three
  if (!/[a-z]/.test(value) || !/[A-Z]/.test(value) || !/[0-9]/.test(value)) return false;
  // camelCase words switch character class about twice per word (SlashCommandBuilder2024: 6 in 23);
  // random base64 about two characters in three
  if (classSwitches(value) / value.length < 0.4) return false;
  return entropy(value) >= threshold;
}

function classOf(ch: string): number {
  return ch >= "a" && ch <= "z" ? 0 : ch >= "A" && ch <= "Z" ? 1 : ch >= "0" && ch <= "9" ? 2 : 3;
}

function classSwitches(value: string): number {
  let n = 0;
  for (let i = 1; i < value.length; i++) if (classOf(value[i]) !== classOf(value[i - 1])) n++;
  return n;
}

const QUOTED = /(["'`])([^"'`\s]{8,})\1/g;
const ID_KEY = /["']?[\w-]*(?:id|sha|hash|etag|digest|checksum|integrity)["']?\s*[:=]\s*$/i;

export function checkSecrets(ctx: RuleContext, file: ChangedFile, strings: StringLiteral[] | undefined, emit: Emit): void {
  const { secrets } = ctx.policy;
  const patterns = [
    ...(secrets.builtin ? BUILTIN_SECRET_PATTERNS : []),
    ...secrets.patterns.map((p) => ({ name: p.name, regex: new RegExp(p.regex, "u"), what: `secret (${p.name})` })),
  ];
  const entropyOn = !matcherFor(secrets.ignore)(file.path);
  const { minLength, threshold } = secrets.entropy;
  for (const { line, text } of addedLinesOf(file)) {
    for (const p of patterns) {
      const m = p.regex.exec(text);
      if (m) {
        emit({
          rule: `secrets/${p.name}`,
          severity: "error",
          file: file.path,
          line,
          column: m.index + 1,
          message: `looks like a ${p.what}; never commit secrets`,
        });
      }
    }
    if (entropyOn && strings === undefined) {
      for (const m of text.matchAll(QUOTED)) {
        // identifiers and digests by name ("node_id": "MDIz…", sha: "…") are not secrets
        if (ID_KEY.test(text.slice(0, m.index))) continue;
        if (looksRandom(m[2], minLength, threshold)) {
          emit({
            rule: "secrets/high-entropy",
            severity: "error",
            file: file.path,
            line,
            column: m.index + 2,
            message: "high-entropy string looks like a secret",
          });
        }
      }
    }
  }
  if (entropyOn && strings !== undefined) {
    for (const s of strings) {
      if (looksRandom(s.value, minLength, threshold)) {
        emit({
          rule: "secrets/high-entropy",
          severity: "error",
          file: file.path,
          line: s.line,
          column: s.column,
          message: "high-entropy string literal looks like a secret",
        });
      }
    }
  }
}
