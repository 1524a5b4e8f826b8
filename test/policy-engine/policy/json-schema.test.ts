// The committed JSON Schema must equal the one generated from the zod schema (no drift),
// and it must accept the default policy and reject what the loader rejects.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { policyJsonSchemaText, POLICY_JSON_SCHEMA_PATH } from "../../../policy-engine/policy/json-schema.ts";
import { DEFAULT_POLICY_TEXT } from "../rules/helpers.ts";

const committed = readFileSync(fileURLToPath(new URL(`../../../${POLICY_JSON_SCHEMA_PATH}`, import.meta.url)), "utf8");

describe("policies/policy.schema.json", () => {
  it("is exactly what the zod schema generates (regenerate: npx node policy-engine/policy/json-schema.ts --write)", () => {
    expect(committed).toBe(policyJsonSchemaText());
  });

  it("is referenced by the default policy for editor completion", () => {
    expect(DEFAULT_POLICY_TEXT.split("\n")[0]).toBe("# yaml-language-server: $schema=./policy.schema.json");
  });

  it("accepts the default policy and rejects unknown keys and wrong types", () => {
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(JSON.parse(committed));
    expect(validate(parse(DEFAULT_POLICY_TEXT))).toBe(true);
    expect(validate({ surprise: 1 })).toBe(false);
    expect(validate({ limits: { files: "many" } })).toBe(false);
    expect(validate({ mode: "relaxed" })).toBe(false);
  });
});
