// Who may do what: the policy's `roles` section maps each capability to Discord role
// names. Checked here for a clear, early answer and again by the app (which decides).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { isPolicyFile, loadPolicy, POLICY_DIR } from "../../policy-engine/policy/load.ts";
import { policySchema, type Policy } from "../../policy-engine/policy/schema.ts";

export const CAPABILITIES = ["request", "vote", "rollback", "stop"] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Matches every member (and DMs, where there are no roles). */
export const EVERYONE = "@everyone";

const names = z.array(z.string().min(1));
/** Same defaults as the policy engine's schema (test/bot/permissions checks they agree). */
export const rolesSchema = z
  .strictObject({
    request: names.default([EVERYONE]),
    vote: names.default([EVERYONE]),
    rollback: names.default(["Ouro Maintainer"]),
    stop: names.default(["Ouro Maintainer", "Ouro Admin"]),
  })
  .prefault({});
export type RoleMap = z.infer<typeof rolesSchema>;

/** The repository root (policies/ lives there). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The effective policy from `<root>/policies/`, read with the policy engine's own loader
 * (same merge and validation as the checks). No policies/ directory means the defaults; a
 * policy the engine rejects is an error listing its problems with file and line (the bot does
 * not start on a policy it cannot read).
 */
export function readPolicy(root = REPO_ROOT): Policy {
  const dir = join(root, POLICY_DIR);
  if (!existsSync(dir)) return policySchema.parse({});
  const files = readdirSync(dir)
    .map((name) => `${POLICY_DIR}/${name}`)
    .filter(isPolicyFile)
    .map((path) => ({ path, text: readFileSync(join(root, path), "utf8") }));
  const result = loadPolicy(files);
  if (!result.ok) {
    const detail = result.errors
      .map((e) => `${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ""}` : ""}: ${e.message}`)
      .join("; ");
    throw new Error(`cannot read the policy: ${detail}`);
  }
  return result.policy;
}

/** `roles` from the policy. */
export function loadRoleMap(root = REPO_ROOT): RoleMap {
  return rolesSchema.parse(readPolicy(root).roles);
}

export interface Permissions {
  roles: RoleMap;
  allowed(capability: Capability, memberRoleNames: readonly string[]): boolean;
  /** The denial users read, naming the roles that would allow it. */
  denial(capability: Capability): string;
}

const VERB: Record<Capability, string> = {
  request: "request changes to Ouro",
  vote: "vote on changes",
  rollback: "roll back changes",
  stop: "stop or resume Ouro",
};

export function createPermissions(roles: RoleMap): Permissions {
  return {
    roles,
    allowed(capability, memberRoles) {
      const allowed = roles[capability];
      return allowed.includes(EVERYONE) || memberRoles.some((r) => allowed.includes(r));
    },
    denial(capability) {
      const allowed = roles[capability];
      const who = allowed.length ? allowed.map((r) => `**${r}**`).join(" or ") : "nobody (the policy allows no role)";
      return `⛔ You need the role ${who} to ${VERB[capability]}.`;
    },
  };
}
