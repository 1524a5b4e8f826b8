// A real git repo holding what the agent works on: the committed bot/, policies/,
// tsconfig.json and vitest.config.ts of this project at HEAD.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeRepo, type TestRepo } from "../../helpers/git.ts";

export const PROJECT = fileURLToPath(new URL("../../..", import.meta.url));
const PATHS = ["bot", "policies", "tsconfig.json", "vitest.config.ts", "package.json"];

export interface AgentRepo extends TestRepo {
  base: string;
}

export function makeAgentRepo(): AgentRepo {
  const repo = makeRepo("ouro-agent-test-");
  const present = execSync(`git ls-tree --name-only HEAD -- ${PATHS.join(" ")}`, { cwd: PROJECT, encoding: "utf8" })
    .split("\n")
    .filter(Boolean);
  execSync(`git archive HEAD ${present.join(" ")} | tar -x -C ${JSON.stringify(repo.dir)}`, { cwd: PROJECT });
  // Until the policy files land, the schema's defaults are the seed policy.
  if (!existsSync(join(repo.dir, "policies/ouro.yml"))) repo.write({ "policies/ouro.yml": "version: 1\n" });
  const base = repo.commit("base");
  return { ...repo, base };
}

export const requester = { source: "discord" as const, id: "123456789012345678", name: "Ada", roles: ["Member"] };
