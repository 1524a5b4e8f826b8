// What a fresh local mode holds: the Discord guild seeded with the roles the policy names and
// three people (a maintainer, a member, a newcomer), the GitHub side with the same people,
// and the repository Ouro edits — a copy of this checkout's HEAD, never the working tree.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { loadPolicy } from "../../policy-engine/policy/load.ts";
import { readPolicyFilesAtRef } from "../../policy-engine/policy-files.ts";
import type { SeedSpec } from "../discord/index.ts";

/** The people of local mode, the same names on Discord and GitHub. */
export const PEOPLE = {
  maintainer: "maya",
  member: "max",
  newcomer: "nia",
} as const;

export const REPO = { owner: "ouro", name: "ouro" } as const;

/** The role names the policy at `ref` gives powers to (`@everyone` needs no role). */
export function policyRoles(repoDir: string, ref = "HEAD"): string[] {
  const loaded = loadPolicy(readPolicyFilesAtRef(repoDir, ref));
  if (!loaded.ok) throw new Error(`the policy at ${ref} does not load: ${loaded.errors.map((e) => `${e.file}: ${e.message}`).join("; ")}`);
  const names = new Set<string>();
  for (const list of Object.values(loaded.policy.roles)) for (const r of list) if (r !== "@everyone") names.add(r);
  return [...names].sort();
}

/** The guild: the policy's roles (the maintainer holds them all), a plain member role, three people. */
export function guildSeed(roles: string[]): SeedSpec {
  return {
    guild: { name: "Ouro Local" },
    channels: ["general", "requests"],
    roles: [...roles, "member"],
    users: [
      { name: PEOPLE.maintainer, roles: [...roles, "member"], globalName: "Maya (maintainer)" },
      { name: PEOPLE.member, roles: ["member"], globalName: "Max (member)" },
      { name: PEOPLE.newcomer, roles: [], globalName: "Nia (newcomer)" },
    ],
  };
}

/** This checkout's committed HEAD, unpacked into a fresh directory (the caller removes it). */
export function exportHead(checkout: string): { dir: string; sha: string } {
  const dir = mkdtempSync(join(tmpdir(), "ouro-local-head-"));
  try {
    execFileSync("sh", ["-c", 'git -C "$1" archive HEAD | tar -x -C "$2"', "sh", checkout, dir]);
    const sha = execFileSync("git", ["-C", checkout, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    return { dir, sha };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot copy this checkout's HEAD (is ${checkout} a git checkout with a commit?): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The App's permissions and events, exactly as `app.yml` (the manifest) states them. */
export function manifestOf(text: string): { permissions: Record<string, string>; events: string[] } {
  const m = parse(text) as { default_permissions?: Record<string, string>; default_events?: string[] };
  if (!m?.default_permissions || !Array.isArray(m.default_events)) throw new Error("app.yml has no default_permissions or default_events");
  return { permissions: m.default_permissions, events: m.default_events };
}
