// The zod-free reading of a valid policy must never accept what zod rejects, and what it
// accepts must be exactly what zod returns (defaults included). Checked over a corpus of
// valid policies and over mutations of every key of the complete policy, so a key or a
// refinement added to schema.ts that the fast reader does not know fails here.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { fastParsePolicy } from "../../../policy-engine/policy/fast-parse.ts";
import { loadPolicy } from "../../../policy-engine/policy/load.ts";
import { policySchema } from "../../../policy-engine/policy/schema.ts";

const REAL = parse(readFileSync(fileURLToPath(new URL("../../../policies/ouro.yml", import.meta.url)), "utf8")) as Record<string, unknown>;

const VALID: unknown[] = [
  REAL,
  {},
  { mode: "evaluate", limits: { files: 0 }, risk: { levels: { low: { approvals: 0, automerge: false } } } },
  {
    secrets: { patterns: [{ name: "acme-key", regex: "acme_[0-9a-f]{32}" }], entropy: { threshold: 4.5 } },
    overrides: { "secrets/acme-key": "warning", "api/eval": "off", "limits/files": "info" },
  },
  {
    editable: ["bot/plugins/**", "!bot/plugins/core/**"],
    risk: { paths: [{ paths: ["docs/**"], level: "safe" }], findings: { warning: "high" } },
    imports: { builtins: ["node:crypto", "util"], packages: ["zod", "zod/v4"] },
    network: { allowedHosts: ["example.com", "*.example.org"] },
    agent: { fallbackModels: ["org/model:tag", "gpt-4.1"], model: "x" },
    deploy: { maxErrorRate: 0.5 },
    tests: { pluginRoot: "bot/extensions" },
  },
];

/** What zod says; the fast reader may decline (undefined) but never disagree. */
function agree(input: unknown): { fast: boolean; zod: boolean } {
  const z = policySchema.safeParse(structuredClone(input));
  const fast = fastParsePolicy(structuredClone(input));
  if (fast !== undefined) {
    expect(z.success, `fast reader accepted what zod rejects: ${JSON.stringify(input).slice(0, 400)}`).toBe(true);
    expect(isDeepStrictEqual(fast, z.data), `fast reader differs from zod for ${JSON.stringify(input).slice(0, 400)}`).toBe(true);
  }
  return { fast: fast !== undefined, zod: z.success };
}

const BAD_VALUES: unknown[] = [
  null,
  "",
  " x",
  "/abs/**",
  "a//b",
  "a\\b",
  "../x",
  "(",
  "[a",
  "not a module",
  "fs",
  "Upper.example.com",
  "has space",
  "x",
  "bot/plugins/",
  -1,
  1.5,
  0,
  2,
  Infinity,
  Number.NaN,
  true,
  [],
  [""],
  ["("],
  ["a//b"],
  ["fs"],
  [1],
  {},
  { a: 1 },
];

type Path = (string | number)[];

/** Every path in `value` (of an array, its first element only: the others are read alike). */
function leaves(value: unknown, path: Path = []): Path[] {
  const out: Path[] = [path];
  if (Array.isArray(value)) value.slice(0, 1).forEach((v, i) => out.push(...leaves(v, [...path, i])));
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) out.push(...leaves(v, [...path, k]));
  return out;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  if (path.length === 0) return value;
  let cur = copy as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined && !Array.isArray(cur)) delete cur[last];
  else cur[last] = value;
  return copy;
}

describe("fastParsePolicy", () => {
  it("reads every valid policy of the corpus exactly as zod does (and does not decline them)", () => {
    for (const input of VALID) expect(agree(input)).toEqual({ fast: true, zod: true });
    expect(loadPolicy([{ path: "policies/ouro.yml", text: "mode: evaluate\n" }])).toEqual({
      ok: true,
      policy: policySchema.parse({ mode: "evaluate" }),
    });
  });

  it("never accepts a mutation zod rejects, and agrees on every one it accepts", () => {
    const complete = policySchema.parse(REAL);
    // an extra pattern and an override so the array and record entries get mutated too
    complete.secrets.patterns.push({ name: "acme-key", regex: "acme_[0-9a-f]{32}" });
    complete.overrides["secrets/acme-key"] = "warning";
    let accepted = 0;
    let rejected = 0;
    for (const path of leaves(complete)) {
      const mutants = [...BAD_VALUES.map((v) => setAt(complete, path, v)), setAt(complete, path, undefined)];
      for (const m of mutants) {
        const r = agree(m);
        if (r.fast) accepted++;
        if (!r.zod) rejected++;
      }
    }
    // unknown keys and unknown override rule ids at every level
    for (const path of leaves(complete).filter((p) => {
      let v: unknown = complete;
      for (const k of p) v = (v as Record<string | number, unknown>)[k];
      return typeof v === "object" && v !== null && !Array.isArray(v);
    })) {
      for (const key of ["surprise", "api/no-such-rule", "__proto__", "constructor"]) {
        const m = structuredClone(complete) as unknown as Record<string, unknown>;
        let cur = m;
        for (const k of path) cur = cur[k] as Record<string, unknown>;
        Object.defineProperty(cur, key, { value: "off", enumerable: true, configurable: true, writable: true });
        const r = agree(m);
        if (!r.zod) rejected++;
      }
    }
    // not vacuous: both answers occur many times
    expect(accepted).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(500);
  }, 300_000);

  it("declines what it cannot be sure of: not an object, a null-prototype trick, an unknown schema keyword", () => {
    expect(fastParsePolicy(null)).toBeUndefined();
    expect(fastParsePolicy([])).toBeUndefined();
    expect(fastParsePolicy("mode: enforce")).toBeUndefined();
    expect(fastParsePolicy(Object.assign(Object.create(null) as object, { mode: "enforce" }))).toBeUndefined();
    expect(fastParsePolicy({ limits: { files: 1e300 } })).toBeUndefined();
  });
});
