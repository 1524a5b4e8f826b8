// The plugin host's supervisor on its own: the real sandboxed process, driven through
// PluginHost with a recording capability handler (no Discord needed here).
import { afterEach, describe, expect, it } from "vitest";
import { PluginHost, type CapabilityHandler } from "../../../bot/plugin-host/supervisor.ts";
import { createLogger } from "../../../bot/core/logger.ts";
import { pluginRoot } from "../../helpers/plugin-root.ts";

const log = createLogger("silent");
const hosts: PluginHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

const plugin = (name: string, body: string) =>
  `import { definePlugin } from "../../plugin-api/index.ts";\nexport default definePlugin({ name: "${name}", description: "test plugin", ${body} });\n`;

/**
 * A host on `plugins`. By default a call's deadline and the ping watchdog are generous: a call
 * that answers, or a host that is only slow (a loaded machine), must not look hung or frozen.
 * Tests of a deadline or of a frozen host set them.
 */
function host(plugins: Record<string, string>, o: { timeoutMs?: number; hangMs?: number; reserved?: string[] } = {}) {
  const h = new PluginHost({
    root: pluginRoot(plugins),
    timeoutMs: o.timeoutMs ?? 10_000,
    hangMs: o.hangMs ?? 5_000,
    reservedCommands: o.reserved ?? ["ouro"],
    log,
  });
  hosts.push(h);
  return h;
}

function recorder() {
  const calls: { op: string; args: unknown[] }[] = [];
  const handler: CapabilityHandler = async (op, args) => {
    calls.push({ op, args });
    return op === "store.get" ? "stored" : undefined;
  };
  return { calls, handler };
}

const input = (command: string, options = {}) => ({
  command,
  options,
  user: { id: "1", name: "ann" },
  channelId: "2",
  settings: { tone: "friendly" },
});

/** Resolves on the host's next restart. */
const restarted = (h: PluginHost) =>
  new Promise<void>((resolve) => {
    const before = h.restarts;
    const check = setInterval(() => {
      if (h.restarts > before && h.ready()) {
        clearInterval(check);
        resolve();
      }
    }, 5);
  });

describe("plugin host supervisor", () => {
  it("reports what the plugins define and runs a call, its capabilities asked of the core", async () => {
    const h = host({
      echo: plugin(
        "echo",
        `commands: [{ name: "echo", description: "echo", options: [{ name: "text", description: "t", type: "string", required: true }], async run(call) { const v = await call.store.get("k"); await call.reply(\`\${call.options.text} \${v} \${call.settings.tone} \${call.user.name}\`); } }]`,
      ),
    });
    await h.start();
    expect(h.manifest.plugins).toEqual([
      {
        name: "echo",
        description: "test plugin",
        commands: [{ name: "echo", description: "echo", options: [{ name: "text", description: "t", type: "string", required: true }] }],
        responders: [],
        tools: [],
      },
    ]);
    const { calls, handler } = recorder();
    expect(await h.call("command", "echo", "echo", input("echo", { text: "hi" }), handler)).toEqual({ ok: true, value: undefined });
    expect(calls).toEqual([
      { op: "store.get", args: ["k"] },
      { op: "reply", args: ["hi stored friendly ann"] },
    ]);
  });

  it("an allowed package (zod) and an allowed built-in (node:crypto) load in the host; another package does not", async () => {
    const h = host({
      valid: `import { z } from "zod";
import { randomInt } from "node:crypto";
import { definePlugin } from "../../plugin-api/index.ts";
const Sides = z.number().int().min(2);
export default definePlugin({ name: "valid", description: "uses zod", commands: [{ name: "roll", description: "x", async run(call) { const n = Sides.parse(call.options.sides); await call.reply(String(randomInt(1, n + 1) <= n)); } }] });
`,
    });
    await h.start();
    const { calls, handler } = recorder();
    expect(await h.call("command", "valid", "roll", input("roll", { sides: 6 }), handler)).toEqual({ ok: true, value: undefined });
    expect(calls).toEqual([{ op: "reply", args: ["true"] }]);
    const other = host({
      bad: `import "discord.js";
import { definePlugin } from "../../plugin-api/index.ts";
export default definePlugin({ name: "bad", description: "x" });
`,
    });
    await expect(other.start()).rejects.toThrow(/the plugins could not be loaded: .*discord\.js/);
  });

  it("refuses plugins that shadow a core command or collide, naming them", async () => {
    await expect(host({ bad: plugin("bad", `commands: [{ name: "ouro", description: "x", run() {} }]`) }).start()).rejects.toThrow(
      /plugin "bad" defines \/ouro, which is a core command/,
    );
    await expect(
      host({
        aa: plugin("aa", `commands: [{ name: "same", description: "x", run() {} }]`),
        bb: plugin("bb", `commands: [{ name: "same", description: "x", run() {} }]`),
      }).start(),
    ).rejects.toThrow(/plugins "aa" and "bb" both define \/same/);
    await expect(
      host({ rr: plugin("rr", `responders: [{ name: "r", trigger: "(a)\\\\1", respond: () => "x" }]`) }).start(),
    ).rejects.toThrow(/not an RE2 pattern/);
  });

  it("a registry that throws at load is a clear start-up error", async () => {
    const h = new PluginHost({
      root: pluginRoot({}, { registry: `throw new Error("boom at start");\nexport const plugins = [];\n` }),
      timeoutMs: 1_000,
      log,
    });
    hosts.push(h);
    await expect(h.start()).rejects.toThrow(/the plugins could not be loaded: boom at start/);
  });

  it("a frozen host (a synchronous endless loop) is killed and restarted; the next call is served", async () => {
    const h = host(
      {
        loop: plugin(
          "loop",
          `commands: [{ name: "spin", description: "x", run() { for (;;) {} } }, { name: "ok", description: "x", async run(call) { await call.reply("fine"); } }]`,
        ),
      },
      // The deadline also bounds the "ok" call after the restart: room for a loaded machine.
      { timeoutMs: 1500, hangMs: 1000 },
    );
    await h.start();
    const back = restarted(h);
    const r = await h.call("command", "loop", "spin", input("spin"), recorder().handler);
    expect(r).toMatchObject({ ok: false, timeout: true, error: { name: "PluginTimeoutError" } });
    await back;
    expect(h.restarts).toBe(1);
    const { calls, handler } = recorder();
    expect(await h.call("command", "loop", "ok", input("ok"), handler)).toEqual({ ok: true, value: undefined });
    expect(calls).toEqual([{ op: "reply", args: ["fine"] }]);
  });

  it("a slow but responsive call times out without killing the host", async () => {
    const h = host(
      {
        slow: plugin(
          "slow",
          `commands: [{ name: "wait", description: "x", run: () => new Promise(() => {}) }, { name: "ok", description: "x", async run(call) { await call.reply("fine"); } }]`,
        ),
      },
      // The watchdog keeps its generous default: a responsive host answers the ping, however slowly.
      { timeoutMs: 1500 },
    );
    await h.start();
    expect(await h.call("command", "slow", "wait", input("wait"), recorder().handler)).toMatchObject({ ok: false, timeout: true });
    expect(await h.call("command", "slow", "ok", input("ok"), recorder().handler)).toEqual({ ok: true, value: undefined });
    expect(h.restarts).toBe(0);
  });

  it("a command that defers gets the longer deadline; one that does not, the short one", async () => {
    // Each waits past the short deadline, which starts before the host even sees the call:
    // an ordering, whatever the machine's speed; the defer has the whole deadline to arrive.
    const wait = "await new Promise((r) => setTimeout(r, 2000));";
    const h = host(
      {
        slow: plugin(
          "slow",
          `commands: [{ name: "deferred", description: "x", async run(call) { await call.defer(); ${wait} await call.edit("done"); } }, { name: "plain", description: "x", async run(call) { ${wait} await call.reply("late"); } }]`,
        ),
      },
      { timeoutMs: 1500 },
    );
    await h.start();
    const { calls, handler } = recorder();
    expect(await h.call("command", "slow", "deferred", input("deferred"), handler)).toEqual({ ok: true, value: undefined });
    expect(calls.map((c) => c.op)).toEqual(["defer", "edit"]);
    expect(await h.call("command", "slow", "plain", input("plain"), recorder().handler)).toMatchObject({ ok: false, timeout: true });
  });

  it("a crash from a plugin's own timer restarts the host; calls in flight fail clearly", async () => {
    const h = host({
      bomb: plugin(
        "bomb",
        `commands: [{ name: "later", description: "x", run: () => new Promise(() => { setTimeout(() => { throw new Error("from a timer"); }, 1); }) }]`,
      ),
    });
    const stray: string[] = [];
    (h as unknown as { opts: { onStrayError: (e: { message: string }) => void } }).opts.onStrayError = (e) => stray.push(e.message);
    await h.start();
    const back = restarted(h);
    const r = await h.call("command", "bomb", "later", input("later"), recorder().handler);
    expect(r).toMatchObject({
      ok: false,
      timeout: false,
      error: { name: "PluginHostError", message: expect.stringMatching(/exited with code 70/) },
    });
    await back;
    expect(stray).toEqual(["from a timer"]);
  });

  it("a message outside the protocol, or a capability for another call, gets nothing", async () => {
    const h = host({
      forge: plugin(
        "forge",
        `commands: [
          { name: "other", description: "x", async run(call) { process.send({ t: "cap", call: "0".repeat(32), req: "0".repeat(32) + ":999", op: "reply", args: ["forged"] }); await call.reply("done"); } },
          { name: "junk", description: "x", run() { process.send({ t: "nonsense" }); return new Promise(() => {}); } },
        ]`,
      ),
    });
    await h.start();
    const { calls, handler } = recorder();
    expect(await h.call("command", "forge", "other", input("other"), handler)).toEqual({ ok: true, value: undefined });
    expect(calls).toEqual([{ op: "reply", args: ["done"] }]); // the forged reply reached nobody
    const back = restarted(h);
    expect(await h.call("command", "forge", "junk", input("junk"), recorder().handler)).toMatchObject({
      ok: false,
      error: { name: "PluginHostError" },
    });
    await back; // killed for the violation, then restarted
  });

  it("replies are only for commands: a responder that forges a reply for its own call is refused", async () => {
    const h = host({
      rr: `import { definePlugin } from "../../plugin-api/index.ts";
let seen = "";
process.on("message", (m: any) => { if (m.t === "call") seen = m.call; });
export default definePlugin({
  name: "rr",
  description: "test plugin",
  responders: [{ name: "r", trigger: "hi", async respond() { await new Promise((r) => setImmediate(r)); process.send!({ t: "cap", call: seen, req: seen + ":5000", op: "reply", args: ["forged"] }); return "ok"; } }],
  tools: [{ name: "t", description: "t", parameters: { type: "object" }, async run(args, call) { return String(typeof (call as any).reply); } }],
});
`,
    });
    await h.start();
    expect(h.responders[0].trigger.test("oh hi there")).toBe(true);
    const { calls, handler } = recorder();
    const r = await h.call(
      "responder",
      "rr",
      "r",
      { message: { content: "hi", author: { id: "1", name: "a" }, channelId: "2" }, settings: {} },
      handler,
    );
    expect(r).toEqual({ ok: true, value: "ok" });
    expect(calls).toEqual([]); // the forged reply never reached the core's capabilities
    expect(
      await h.call("tool", "rr", "t", { args: {}, user: { id: "1", name: "a" }, channelId: "2", settings: {} }, recorder().handler),
    ).toEqual({ ok: true, value: "undefined" });
  });
});

describe("the host's launch command", () => {
  it("puts the host in namespaces of its own: no network even to loopback, no other process", async () => {
    const { createServer } = await import("node:net");
    const { spawn } = await import("node:child_process");
    const { launchCommand } = await import("../../../bot/plugin-host/launch.ts");
    const server = createServer((s) => s.end("reached")).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as { port: number }).port;
    try {
      const cmd = launchCommand({ root: pluginRoot({}) });
      // The same wrapper (limits, namespaces, environment) around a probe instead of the host:
      // this layer alone, without the permission model and import limits in front of it.
      const node = cmd.args.indexOf(process.execPath);
      const probe = `const net = process.getBuiltinModule("node:net"); const s = net.connect(${port}, "127.0.0.1"); s.on("error", (e) => { console.log(JSON.stringify({ net: e.code, pid: process.pid, env: Object.keys(process.env) })); }); s.on("data", () => console.log("REACHED"));`;
      const args = [...cmd.args.slice(0, node + 1), "-e", probe];
      const out = await new Promise<string>((resolve) => {
        const child = spawn(cmd.file, args, { env: cmd.env });
        let text = "";
        child.stdout.on("data", (d) => (text += d));
        child.on("exit", () => resolve(text));
      });
      expect(cmd.file).toBe("prlimit");
      expect(JSON.parse(out)).toEqual({ net: "ENETUNREACH", pid: 1, env: ["TZ", "NODE_ENV"] });
    } finally {
      server.close();
    }
  });
});
