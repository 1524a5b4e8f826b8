import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageFlags } from "discord.js";
import { startHarness, type Harness } from "./harness.ts";
import { deployCommands } from "../../bot/register-commands.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const ephemeral = (m: { flags?: number }) => ((m.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
const run = (user: string, name: string, subcommand?: string, options?: Record<string, string | number>) =>
  h.discord.driver.runCommand({ user, channel: "general", name, subcommand, options }).reply();

describe("core commands through the real discord.js client", () => {
  it("/help lists core and plugin commands, ephemerally", async () => {
    const reply = await run("alice", "help");
    expect(ephemeral(reply)).toBe(true);
    const text = JSON.stringify(reply.embeds);
    for (const c of ["/feature", "/status", "/changes", "/rollback", "/ouro", "/forget", "/export", "/help", "/ping"])
      expect(text).toContain(c);
  });

  it("/status shows the deployed version, breaker and stop state from the app", async () => {
    const reply = await run("alice", "status");
    const text = JSON.stringify(reply.embeds);
    expect(text).toContain("abc1234def");
    expect(text).toContain("closed");
    expect(text).toContain("running");
    expect(text).toContain("progress stream connected");
  });

  it("/status still answers when the app is unreachable", async () => {
    const saved = h.app.status;
    h.app.status = { bogus: true } as never; // the app answers garbage: the schema rejects it
    const reply = await run("alice", "status");
    h.app.status = saved;
    expect(JSON.stringify(reply.embeds)).toContain("unreachable");
  });

  it("/changes lists recent changes and shows one", async () => {
    expect((await run("alice", "changes")).content).toContain("No changes yet");
    await h.bot.context.appLink.submitRequest({
      id: "x1",
      requester: { discordId: "1", name: "zed", roles: [] },
      text: "add a /dance command",
    });
    const list = await run("alice", "changes");
    expect(list.content).toMatch(/`chg-1` \*\*queued\*\* — add a \/dance command/);
    const one = await run("alice", "changes", undefined, { change: "chg-1" });
    expect(JSON.stringify(one.embeds)).toContain("Requested by");
    const missing = await run("alice", "changes", undefined, { change: "chg-404" });
    expect(ephemeral(missing)).toBe(true);
    expect(missing.content).toContain("No recent change `chg-404`");
  });

  it("/rollback is denied without the role, clearly, and changes nothing", async () => {
    const reply = await run("alice", "rollback", undefined, { change: "chg-1" });
    expect(ephemeral(reply)).toBe(true);
    expect(reply.content).toBe("⛔ You need the role **maintainer** or **admin** to roll back changes.");
    expect(h.app.rollbacks).toEqual([]);
  });

  it("/rollback by a maintainer asks the app and shows the revert PR; app errors are shown as is", async () => {
    const reply = await run("mia", "rollback", undefined, { change: "chg-1" });
    expect(ephemeral(reply)).toBe(false);
    expect(reply.content).toContain("Rolling back `chg-1`");
    expect(reply.content).toContain("https://github.com/ouro/ouro/pull/99");
    expect(h.app.rollbacks).toEqual([{ changeId: "chg-1", by: h.discord.driver.user("mia").id }]);
    const bad = await run("mia", "rollback", undefined, { change: "chg-404" });
    expect(ephemeral(bad)).toBe(true);
    expect(bad.content).toBe("⚠️ no change chg-404");
  });

  it("/rollback defers when the app is slow (Discord's 3 s), then shows the answer in the deferred reply", async () => {
    let release!: () => void;
    h.app.rollbackGate = new Promise((r) => (release = r));
    try {
      const handle = h.discord.driver.runCommand({ user: "mia", channel: "general", name: "rollback", options: { change: "chg-1" } });
      const first = await handle.response();
      expect(first.callbackType).toBe(5); // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE (the stand-in refuses it after Discord's 3 s)
      release();
      const [edited] = await handle.edits(1);
      expect(edited.content).toContain("Rolling back `chg-1`");
    } finally {
      release();
      h.app.rollbackGate = undefined;
    }
  });

  it("/ouro stop and resume: admins only", async () => {
    const denied = await run("mia", "ouro", "stop");
    expect(denied.content).toBe("⛔ You need the role **admin** to stop or resume Ouro.");
    expect(h.app.status.emergencyStop.stopped).toBe(false);
    const stop = await run("admin", "ouro", "stop");
    expect(stop.content).toContain("Ouro is stopped");
    expect(h.app.status.emergencyStop).toMatchObject({ stopped: true, by: "admin" });
    expect(JSON.stringify((await run("alice", "status")).embeds)).toContain("stopped by admin");
    expect((await run("admin", "ouro", "resume")).content).toContain("resumed");
    expect(h.app.status.emergencyStop.stopped).toBe(false);
  });

  it("counts interactions and latency in /metrics and is healthy", async () => {
    const health = await fetch(`${h.bot.health!.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", discord: "ready", appStream: "connected" });
    const metrics = await (await fetch(`${h.bot.health!.url}/metrics`)).text();
    expect(metrics).toMatch(/ouro_bot_interactions_total\{command="help",outcome="ok"\} 1/);
    expect(metrics).toMatch(/ouro_bot_interactions_total\{command="rollback",outcome="denied"\} 1/);
    expect(metrics).toMatch(/ouro_bot_interaction_duration_seconds_count\{command="status"\} \d/);
    expect(metrics).toMatch(/^ouro_bot_app_stream_connected 1$/m);
  });
});

describe("role checks are bound to the configured guild", () => {
  it("a role of the same name in another guild grants nothing: roles count in the configured guild only", async () => {
    // Anyone can create a server with a role named "admin" and invite the bot.
    const other = h.discord.driver.createGuild({
      guild: { name: "Elsewhere" },
      users: [{ name: "mallory", roles: ["admin", "maintainer"] }],
    });
    await deployCommands({
      token: h.config.discordToken,
      api: h.config.discordApi,
      applicationId: h.config.applicationId,
      guildId: other.id,
      dataDir: h.dataDir,
    });
    const rollbacksBefore = h.app.rollbacks.length;
    const inOther = (name: string, subcommand?: string, options?: Record<string, string>) =>
      h.discord.driver.runCommand({ user: "mallory", guild: other.id, channel: "general", name, subcommand, options }).reply();
    expect((await inOther("rollback", undefined, { change: "chg-1" })).content).toBe(
      "⛔ You need the role **maintainer** or **admin** to roll back changes.",
    );
    expect((await inOther("ouro", "stop")).content).toBe("⛔ You need the role **admin** to stop or resume Ouro.");
    expect(h.app.rollbacks).toHaveLength(rollbacksBefore);
    expect(h.app.status.emergencyStop.stopped).toBe(false);
  });
});
