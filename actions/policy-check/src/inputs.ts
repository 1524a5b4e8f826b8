// Schemas for everything the Action is given: its inputs and the pull_request event payload.
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { FORMATS } from "../../../policy-engine/format.ts";

/** The base checkout's policies/, next to this action (actions/policy-check/src → ../../../policies). */
export const DEFAULT_POLICIES_PATH = fileURLToPath(new URL("../../../policies", import.meta.url));

const ref = z.string().regex(/^[^-\s][^\s]*$/, "must be a git ref or commit SHA (no spaces, not starting with '-')");

export const InputsSchema = z.object({
  "repo-path": z.string().min(1).default("."),
  "base-sha": ref.optional(),
  "head-sha": ref.optional(),
  "policies-path": z.string().min(1).default(DEFAULT_POLICIES_PATH),
  format: z.enum(FORMATS).default("text"),
  "self-edit": z.enum(["true", "false"]).default("false"),
});
export type Inputs = z.infer<typeof InputsSchema>;

/** `core.getInput` returns "" for unset inputs; absent means "use the default". */
export function parseInputs(getInput: (name: string) => string): Inputs {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(InputsSchema.shape)) {
    const v = getInput(key);
    if (v !== "") raw[key] = v;
  }
  const r = InputsSchema.safeParse(raw);
  if (!r.success) throw new Error(`invalid inputs: ${z.prettifyError(r.error)}`);
  return r.data;
}

// Only the fields we use; everything else in the payload is ignored.
export const PullRequestEventSchema = z.object({
  pull_request: z.object({
    number: z.number().int(),
    user: z.object({ login: z.string() }),
    labels: z.array(z.object({ name: z.string() })).default([]),
    base: z.object({ sha: z.string(), ref: z.string() }),
    head: z.object({ sha: z.string(), ref: z.string() }),
  }),
});
export type PullRequestEvent = z.infer<typeof PullRequestEventSchema>;

export function parseEvent(json: unknown): PullRequestEvent {
  const r = PullRequestEventSchema.safeParse(json);
  if (!r.success) throw new Error(`the event payload is not a pull_request event: ${z.prettifyError(r.error)}`);
  return r.data;
}
