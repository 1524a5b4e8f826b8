import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runAgent } from "../../../app/agent/index.ts";
import { makeAgentRepo, requester, type AgentRepo } from "./fixture.ts";

let repo: AgentRepo;
beforeAll(() => {
  repo = makeAgentRepo();
});
afterAll(() => repo.cleanup());

describe("recipes end to end", () => {
  it("add-command: a validated branch with the plugin, its passing test and the registry entry", async () => {
    const before = repo.git("status", "--porcelain");
    const result = await runAgent(
      {
        id: "greet-1",
        requester,
        text: "Please add /greet that says hello to someone",
        recipe: {
          kind: "add-command",
          name: "greet",
          description: "Say hello",
          options: [{ name: "who", description: "Who to greet", required: true }],
          reply: "Hello {who}!",
        },
      },
      { repoDir: repo.dir, baseRef: "main" },
    );
    if (!result.ok) throw new Error(JSON.stringify(result.report, null, 2));
    expect(result.branch).toBe("ouro/greet-1");
    expect(repo.git("rev-parse", "refs/heads/ouro/greet-1")).toBe(result.commit);
    expect(repo.git("rev-parse", `${result.commit}^`)).toBe(repo.base);
    expect(result.files.map((f) => f.path).sort()).toEqual([
      "bot/plugins/greet/greet.test.ts",
      "bot/plugins/greet/index.ts",
      "bot/plugins/index.ts",
    ]);
    expect(result.testsAdded).toEqual(["bot/plugins/greet/greet.test.ts"]);
    expect(result.verdict.decision).not.toBe("block");
    expect(result.title).toBe("Ouro: Add the /greet command");
    expect(result.body).toContain("## How to roll back");
    // a Discord request says so, carries the one change marker, and its trailer names the Discord user
    expect(result.body).toContain("Requested by **Ada** on Discord (change `greet-1`).");
    expect(result.body.split("<!-- ouro:").length - 1).toBe(1);
    expect(result.body).toContain("<!-- ouro:change:greet-1 -->");
    expect(repo.git("log", "-1", "--format=%B", result.commit)).toContain(
      "Add the /greet command\n\nChange-Id: greet-1\nRequested-By: discord:123456789012345678",
    );
    expect(result.body).toContain("bot/plugins/greet/greet.test.ts");
    const registry = repo.git("show", `${result.commit}:bot/plugins/index.ts`);
    expect(registry).toContain('import greet from "./greet/index.ts";');
    expect(registry).toMatch(/plugins: Plugin\[\] = \[ping, greet\]/);
    // the plugin speaks only the plugin API; its test pins the exact reply
    const index = repo.git("show", `${result.commit}:bot/plugins/greet/index.ts`);
    expect(index).toContain('import { definePlugin, type OptionValue } from "../../plugin-api/index.ts";');
    expect(index).not.toMatch(/discord\.js|core\/plugin|interaction/);
    expect(index).toContain('{ name: "who", description: "Who to greet", type: "string", required: true },');
    expect(index).toContain("await call.reply({ content: fill(REPLY, call.options) });");
    const test = repo.git("show", `${result.commit}:bot/plugins/greet/greet.test.ts`);
    expect(test).toContain('import { runCommand } from "../../plugin-api/testing.ts";');
    expect(test).toContain(
      'expect(await runCommand(plugin, "greet", { options: { who: "sample who" } })).toEqual([{ kind: "reply", message: { content: "Hello sample who!" } }]);',
    );
    // the repo's own tree is untouched and no worktree is left behind
    expect(repo.git("status", "--porcelain")).toBe(before);
    expect(repo.git("worktree", "list").split("\n")).toHaveLength(1);
    expect(readFileSync(`${repo.dir}/bot/plugins/index.ts`, "utf8")).not.toContain("greet");
    expect(result.timings.typecheckMs).toBeGreaterThan(0);
    expect(result.timings.testsMs).toBeGreaterThan(0);
  });

  it("add-responder and set-setting: validated branches whose generated tests pass in the sandbox", async () => {
    const gm = await runAgent(
      {
        id: "gm-1",
        requester,
        text: "say gm back",
        recipe: { kind: "add-responder", name: "gm", trigger: "\\bgood morning\\b", reply: "gm ☀️", examples: ["Good morning, all"] },
      },
      { repoDir: repo.dir, baseRef: "main" },
    );
    if (!gm.ok) throw new Error(JSON.stringify(gm.report, null, 2));
    expect(gm.testsAdded).toEqual(["bot/plugins/gm/gm.test.ts"]);
    const gmIndex = repo.git("show", `${gm.commit}:bot/plugins/gm/index.ts`);
    expect(gmIndex).toContain('export const TRIGGER = "\\\\bgood morning\\\\b";');
    expect(gmIndex).toContain('trigger: TRIGGER, flags: "i"');
    const gmTest = repo.git("show", `${gm.commit}:bot/plugins/gm/gm.test.ts`);
    expect(gmTest).toContain('expect(await runResponder(plugin, "gm", "Good morning, all")).toBe("gm ☀️");');
    expect(gmTest).toContain('expect(await runResponder(plugin, "gm", "an unrelated message")).toBeUndefined();');
    expect(gm.verdict.decision).not.toBe("block");

    // asked on GitHub (an issue labelled ouro): no made-up Discord id anywhere
    const tone = await runAgent(
      {
        id: "tone-1",
        requester: { source: "github", id: "Octo-Cat", name: "Octo-Cat", login: "Octo-Cat", roles: [] },
        text: "be formal",
        recipe: { kind: "set-setting", key: "tone", value: "formal" },
      },
      { repoDir: repo.dir, baseRef: "main" },
    );
    if (!tone.ok) throw new Error(JSON.stringify(tone.report, null, 2));
    expect(tone.title).toBe('Ouro: Set tone to "formal"');
    expect(tone.body).toContain("Requested by **Octo-Cat** on GitHub (@Octo-Cat) (change `tone-1`).");
    expect(tone.body).not.toMatch(/on Discord|ouro-change-id/);
    expect(tone.body.split("<!-- ouro:").length - 1).toBe(1);
    expect(tone.body).toContain("<!-- ouro:change:tone-1 -->");
    const message = repo.git("log", "-1", "--format=%B", tone.commit);
    expect(message).toContain("Requested-By: github:octo-cat");
    expect(message).not.toContain("discord:");
    expect(JSON.parse(repo.git("show", `${tone.commit}:bot/plugins/settings.json`))).toMatchObject({ tone: "formal" });
    expect(repo.git("show", `${tone.commit}:bot/plugins/settings.json`)).toMatch(/^\{\n {2}"tone": "formal"/);
    expect(tone.files.map((f) => f.path).sort()).toEqual(["bot/plugins/settings-values.test.ts", "bot/plugins/settings.json"]);
    expect(tone.testsAdded).toEqual(["bot/plugins/settings-values.test.ts"]);
    expect(repo.git("show", `${tone.commit}:bot/plugins/settings-values.test.ts`)).toContain(
      'import settings from "./settings.json" with { type: "json" };',
    );

    const rude = await runAgent(
      { id: "tone-2", requester, text: "be rude", recipe: { kind: "set-setting", key: "tone", value: "rude" } },
      { repoDir: repo.dir, baseRef: "main" },
    );
    expect(rude.ok).toBe(false);
    if (!rude.ok) expect(rude.report.reason).toMatch(/invalid value "rude" for setting "tone"/);
    const unknown = await runAgent(
      { id: "tone-3", requester, text: "x", recipe: { kind: "set-setting", key: "adminPassword", value: "x" } },
      { repoDir: repo.dir, baseRef: "main" },
    );
    if (!unknown.ok) expect(unknown.report.reason).toMatch(/unknown setting "adminPassword"/);
    expect(unknown.ok).toBe(false);
  });

  it("add-command with a user option and with an embed: the generated plugins typecheck and their tests pass in the sandbox", async () => {
    const hug = await runAgent(
      {
        id: "hug-1",
        requester,
        text: "Add /hug that hugs someone n times",
        recipe: {
          kind: "add-command",
          name: "hug",
          description: "Hug someone",
          options: [
            { name: "who", description: "Who to hug", type: "user", required: true },
            { name: "times", description: "How often", type: "integer" },
          ],
          reply: "{who} gets {times} hugs",
        },
      },
      { repoDir: repo.dir, baseRef: "main" },
    );
    if (!hug.ok) throw new Error(JSON.stringify(hug.report, null, 2));
    expect(repo.git("show", `${hug.commit}:bot/plugins/hug/hug.test.ts`)).toContain('{ content: "<@123456789012345678> gets 7 hugs" }');

    const card = await runAgent(
      {
        id: "card-1",
        requester,
        text: "Add /card with an embed",
        recipe: {
          kind: "add-command",
          name: "card",
          description: "Show the card",
          embed: { title: "Ouro", description: "A bot that edits itself", color: 0x5865f2 },
        },
      },
      { repoDir: repo.dir, baseRef: "main" },
    );
    if (!card.ok) throw new Error(JSON.stringify(card.report, null, 2));
    const index = repo.git("show", `${card.commit}:bot/plugins/card/index.ts`);
    expect(index).toContain('export const EMBED: Embed = { title: "Ouro", description: "A bot that edits itself", color: 0x5865f2 };');
    expect(index).toContain("await call.reply({ embeds: [EMBED] });");
    expect(card.verdict.decision).not.toBe("block");
  });

  it("refuses a second run for the same request id (one request, one branch)", async () => {
    const again = await runAgent(
      { id: "greet-1", requester, text: "again", recipe: { kind: "add-command", name: "greet2", description: "x", reply: "x" } },
      { repoDir: repo.dir, baseRef: "main" },
    );
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.report.reason).toMatch(/already exists/);
  });

  it("bad recipe input gets a clear error and changes nothing", async () => {
    const refs = repo.git("for-each-ref");
    const r = await runAgent(
      { id: "bad-1", requester, text: "x", recipe: { kind: "add-command", name: "Bad Name", description: "d\u202e", reply: "x" } },
      { repoDir: repo.dir, baseRef: "main" },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.report.reason).toMatch(/must be 2–32 lowercase letters.*\n {2}→ at recipe\.name\n/);
      expect(r.report.reason).toMatch(/must not contain control, zero-width or bidi.*\n {2}→ at recipe\.description/);
    }
    expect(repo.git("for-each-ref")).toBe(refs);
  });

  it("fails closed with a report: unknown base, a base policy that does not load, nothing able to write it", async () => {
    const req = { id: "x-1", requester, text: "x", recipe: { kind: "set-setting", key: "tone", value: "formal" } };
    const noBase = await runAgent(req, { repoDir: repo.dir, baseRef: "no-such-branch" });
    expect(!noBase.ok && noBase.report.reason).toMatch(/cannot read the base "no-such-branch"/);

    repo.git("checkout", "-q", "-b", "broken-policy");
    repo.write({ "policies/ouro.yml": "version: 1\nnoSuchKey: true\n" });
    repo.commit("break the policy");
    repo.git("checkout", "-q", "main");
    const broken = await runAgent(req, { repoDir: repo.dir, baseRef: "broken-policy" });
    expect(!broken.ok && broken.report.reason).toMatch(/the base policy did not load.*noSuchKey/);

    const nothing = await runAgent({ id: "x-2", requester, text: "make the bot better" }, { repoDir: repo.dir, baseRef: "main" });
    expect(!nothing.ok && nothing.report.reason).toMatch(/no recipe and no model/);
    expect(repo.git("branch", "--list", "ouro/x-*")).toBe("");
  });
});
