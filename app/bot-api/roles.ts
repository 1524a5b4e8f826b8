// Who may do what through the bot API: the policy's Discord roles per capability.
import type { Actor } from "../../contract/app-link.ts";
import type { AppContext } from "../context.ts";
import { HttpError } from "./http.ts";

type Capability = "request" | "vote" | "rollback" | "stop";

/** May this Discord actor use a capability the policy grants to some roles? */
export function hasRole(actor: Actor, roles: string[]): boolean {
  return roles.includes("@everyone") || actor.roles.some((r) => roles.includes(r));
}

/** A 403 with `refusal` unless the current policy grants `capability` to one of the actor's roles. */
export async function requireRole(ctx: AppContext, actor: Actor, capability: Capability, refusal: string): Promise<void> {
  const p = await ctx.policy();
  if (!hasRole(actor, p.policy.roles[capability])) throw new HttpError(403, refusal);
}
