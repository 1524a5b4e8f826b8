// Who may do what: the policy's `roles` section maps each capability to Discord role
// names. Checked here for a clear, early answer and again by the app (which decides).
import { readFileSync, existsSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

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

export const DEFAULT_POLICY_FILE = new URL("../../policies/ouro.yml", import.meta.url).pathname;

/**
 * Reads `roles` from a policy file. A missing file means the defaults; a malformed one
 * is an error naming the file (the bot does not start on a policy it cannot read).
 */
export function loadRoleMap(file = DEFAULT_POLICY_FILE): RoleMap {
  if (!existsSync(file)) return rolesSchema.parse(undefined);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const roles = doc && typeof doc === "object" ? (doc as Record<string, unknown>).roles : undefined;
  const parsed = rolesSchema.safeParse(roles);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `roles.${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`${file}: ${detail}`);
  }
  return parsed.data;
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
