// RULE_IDS (what overrides accept) must list every rule id the sources emit.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RULE_IDS } from "../../../policy-engine/rules/ids.ts";
import { BUILTIN_SECRET_NAMES } from "../../../policy-engine/policy/schema.ts";
import { BUILTIN_SECRET_PATTERNS } from "../../../policy-engine/rules/secrets.ts";

const SRC = fileURLToPath(new URL("../../../policy-engine/", import.meta.url));

describe("rule ids", () => {
  it("every literal rule id in the engine and rules is known", () => {
    const files = [
      "engine.ts",
      ...readdirSync(`${SRC}rules`, { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => `rules/${f}`),
    ];
    const found = new Set<string>();
    for (const f of files) {
      for (const m of readFileSync(`${SRC}${f}`, "utf8").matchAll(
        /"((?:api|paths|files|unicode|secrets|limits|deps|tests|engine)\/[a-z0-9-]+)"/g,
      ))
        found.add(m[1]);
    }
    expect(found.size).toBeGreaterThan(30);
    for (const id of found) expect(RULE_IDS as readonly string[], id).toContain(id);
  });

  it("the built-in secret names match the patterns", () => {
    expect([...new Set(BUILTIN_SECRET_PATTERNS.map((p) => p.name))].sort()).toEqual([...BUILTIN_SECRET_NAMES].sort());
  });
});
