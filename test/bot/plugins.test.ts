import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageFlags } from "discord.js";
import { startHarness, until, type Harness } from "./harness.ts";
import { PING_SOURCE, pluginRoot } from "../helpers/plugin-root.ts";

// Deliberately broken plugins, as a bad self-edit could produce them, run in the real plugin host.
const FAULTY = `import { definePlugin } from "../../plugin-api/index.ts";
export default definePlugin({
  name: "faulty",
  description: "throws and hangs",
  commands: [
    { name: "crash", description: "throws", async run() { throw new TypeError("Cannot read properties of undefined (reading 'gif')"); } },
    { name: "hang", description: "never answers", run: () => new Promise(() => {}) },
  ],
  responders: [
    { name: "boom", trigger: "\\\\bboom\\\\b", flags: "i", respond() { throw new Error("responder exploded"); } },
    { name: "hello", trigger: "^hello ouro$", flags: "i", respond: (m) => \`hello <@\${m.author.id}>\` },
  ],
});
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ bot: { pluginRoot: pluginRoot({ ping: PING_SOURCE, faulty: FAULTY }) } });
});
afterAll(async () => {
  await h?.close();
});

const run = (name: string) => h.discord.driver.runCommand({ user: "alice", channel: "general", name }).reply();

describe("plugin isolation", () => {
  it("a throwing command gets an error reply, is counted and reported once per fingerprint", async () => {
    for (let i = 0; i < 3; i++) {
      const reply = await run("crash");
      expect((reply.flags ?? 0) & MessageFlags.Ephemeral).toBeTruthy();
      expect(reply.content).toMatch(/^⚠️ \/crash \(plugin \*\*faulty\*\*\) failed\. It has been reported/);
    }
    await until(() => h.app.errors.length >= 1, "error report");
    expect(h.app.errors).toHaveLength(1); // deduplicated by fingerprint
    expect(h.app.errors[0]).toMatchObject({
      plugin: "faulty",
      kind: "command",
      name: "TypeError",
      timeout: false,
      count: 1,
      version: "test-version",
    });
  });

  it("a hanging command times out with an error reply and the bot keeps serving", async () => {
    const hang = h.discord.driver.runCommand({ user: "alice", channel: "general", name: "hang" });
    const reply = await hang.reply();
    expect(reply.content).toContain("took too long");
    // The error is the interaction's first answer, not a deferral: the stand-in refuses a first
    // answer after Discord's 3 s window, so it came in time (no wall-clock measure here).
    expect((await hang.response()).callbackType).toBe(4); // CHANNEL_MESSAGE_WITH_SOURCE
    expect((await run("ping")).content).toBe("Pong!");
    await until(() => h.app.errors.some((e) => e.timeout), "timeout report");
  });

  it("a throwing responder replies with an error; a good responder still answers", async () => {
    const boom = h.discord.driver.say({ user: "bob", channel: "general", content: "boom goes the dynamite" });
    const err = await h.discord.driver.waitForMessage("general", (m) => m.message_reference?.message_id === boom.id);
    expect(err.content).toContain("auto-response **boom** (plugin faulty) failed");
    const hi = h.discord.driver.say({ user: "bob", channel: "general", content: "hello ouro" });
    const ok = await h.discord.driver.waitForMessage("general", (m) => m.message_reference?.message_id === hi.id);
    expect(ok.content).toBe(`hello <@${h.discord.driver.user("bob").id}>`);
  });

  it("errors per plugin show in /metrics; the bot is still healthy", async () => {
    const metrics = await (await fetch(`${h.bot.health!.url}/metrics`)).text();
    expect(metrics).toContain('ouro_bot_plugin_errors_total{plugin="faulty",kind="command"} 4');
    expect(metrics).toContain('ouro_bot_plugin_errors_total{plugin="faulty",kind="responder"} 1');
    expect(metrics).toContain('ouro_bot_interactions_total{command="hang",outcome="timeout"} 1');
    expect((await fetch(`${h.bot.health!.url}/healthz`)).status).toBe(200);
  });
});
