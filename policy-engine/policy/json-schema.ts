// The JSON Schema editors use for policies/*.yml (via the yaml-language-server comment),
// generated from the zod schema so the two cannot drift (a test compares the committed file).
// Regenerate: npx node policy-engine/policy/json-schema.ts --write
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { policySchema } from "./schema.ts";

export const POLICY_JSON_SCHEMA_PATH = "policies/policy.schema.json";

export function policyJsonSchemaText(): string {
  const schema = z.toJSONSchema(policySchema, { io: "input", target: "draft-7" });
  return `${JSON.stringify({ ...schema, title: "Ouro policy" }, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = policyJsonSchemaText();
  if (process.argv.includes("--write")) {
    const target = fileURLToPath(new URL(`../../${POLICY_JSON_SCHEMA_PATH}`, import.meta.url));
    writeFileSync(target, text);
    console.log(`wrote ${POLICY_JSON_SCHEMA_PATH}`);
  } else process.stdout.write(text);
}
