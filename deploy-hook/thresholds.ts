// The deploy thresholds come from `deploy` in policies/ — read from the last good release
// (the trusted base), never from the candidate being judged; defaults if it does not load.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadPolicy } from "../policy-engine/policy/load.ts";
import { policySchema } from "../policy-engine/policy/schema.ts";

export interface DeployThresholds {
  watchWindowMs: number;
  maxErrorRate: number;
  healthTimeoutMs: number;
  /** Set when the policy did not load and defaults apply. */
  error?: string;
}

const fromPolicy = (
  d: { watchWindowSeconds: number; maxErrorRate: number; healthTimeoutSeconds: number },
  error?: string,
): DeployThresholds => ({
  watchWindowMs: d.watchWindowSeconds * 1000,
  maxErrorRate: d.maxErrorRate,
  healthTimeoutMs: d.healthTimeoutSeconds * 1000,
  ...(error ? { error } : {}),
});

export function deployThresholds(root: string | null): DeployThresholds {
  const defaults = policySchema.parse({}).deploy;
  if (!root) return fromPolicy(defaults);
  let files: { path: string; text: string }[];
  try {
    files = readdirSync(join(root, "policies"))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => ({ path: `policies/${f}`, text: readFileSync(join(root, "policies", f), "utf8") }));
  } catch (err) {
    return fromPolicy(defaults, `policies/ unreadable: ${(err as Error).message}`);
  }
  const loaded = loadPolicy(files);
  if (!loaded.ok) return fromPolicy(defaults, loaded.errors.map((e) => `${e.file}: ${e.message}`).join("; "));
  return fromPolicy(loaded.policy.deploy);
}
