// Path helpers the agent uses before writing, and self-edit recognition.
import { describe, expect, it } from "vitest";
import { isEditablePath, isProtectedPath, isSelfEdit } from "../../../policy-engine/policy/paths.ts";
import { loadPolicy } from "../../../policy-engine/policy/load.ts";
import { defaultPolicy } from "../rules/helpers.ts";

const policy = defaultPolicy();

describe("isEditablePath / isProtectedPath with the default policy", () => {
  it.each([
    ["bot/plugins/dice/index.ts", true, false],
    ["bot/plugins/dice/dice.test.ts", true, false],
    ["bot/plugins/index.ts", true, false],
    ["bot/plugins/settings.ts", true, false],
    ["bot/core/plugin.ts", false, true],
    // the plugin API (and its test helpers) is bot core: changing it is a core change
    ["bot/plugin-api/index.ts", false, true],
    ["bot/plugin-api/testing.ts", false, true],
    ["bot/Plugin-API/index.ts", false, true],
    ["bot/plugin-host/host.ts", false, true],
    ["bot/plugins-api/index.ts", false, true],
    ["bot/main.ts", false, true],
    ["bot/commands/feature.ts", false, true],
    ["policies/ouro.yml", false, true],
    ["Policies/ouro.yml", false, true],
    [".github/workflows/ci.yml", false, true],
    ["actions/policy-check/src/run.ts", false, true],
    ["policy-engine/engine.ts", false, true],
    ["contract/settings.ts", false, true],
    ["deploy-hook/deployer.ts", false, true],
    ["app/agent/loop.ts", false, true],
    ["local/github/server.ts", false, true],
    ["test/x.test.ts", false, true],
    ["bench/policy.ts", false, true],
    [".ci/run", false, true],
    ["package.json", false, true],
    ["package-lock.json", false, true],
    ["tsconfig.json", false, true],
    ["vitest.config.ts", false, true],
    ["CODEOWNERS", false, true],
    [".gitattributes", false, true],
    [".npmrc", false, true],
    ["app.yml", false, true],
    ["bot/plugins/dice/package.json", false, true],
    ["bot/plugins/dice/.npmrc", false, true],
    ["bot/plugins/dice/node_modules/discord.js/index.js", false, true],
    ["bot/plugins/dice/vitest.config.ts", false, true],
    ["bot/plugins/dice/.env", false, true],
    ["README.md", false, false],
    ["bot/plugins/../core/plugin.ts", false, true],
    ["/bot/plugins/x.ts", false, true],
    ["bot\\plugins\\x.ts", false, true],
  ])("%s → editable %s, protected %s", (path, editable, prot) => {
    expect(isEditablePath(policy, path)).toBe(editable);
    expect(isProtectedPath(policy, path)).toBe(prot);
  });

  it("lets protected win over editable", () => {
    const r = loadPolicy([{ path: "policies/ouro.yml", text: "editable: ['**']\nprotected: ['secret/**']\n" }]);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(isEditablePath(r.policy, "docs/a.md")).toBe(true);
    expect(isEditablePath(r.policy, "secret/a.md")).toBe(false);
  });
});

describe("isSelfEdit", () => {
  it.each([
    [{ author: "ouro[bot]" }, true],
    [{ author: "Ouro[bot]" }, true],
    [{ labels: ["bug", "ouro"] }, true],
    [{ headBranch: "ouro/request-12" }, true],
    [{ author: "alice", labels: ["bug"], headBranch: "feature/x" }, false],
    [{ author: "alice", headBranch: "ouro/sneaky" }, true],
    [{}, false],
  ])("%j → %s", (pr, expected) => {
    expect(isSelfEdit(policy, pr)).toBe(expected);
  });
});
