// `npm run bench -- bot`: interaction round trips through local/discord — Ouro's bot (the real
// createBot: event module, the sandboxed plugin host, metrics) against a bare discord.js bot
// answering the same /ping on the same stand-in, in the same run, alternating rounds. /ping is
// a plugin command (it crosses into the plugin host and back); /help, a core command answered
// in the bot process, is measured beside it for the plugin path's own cost.
// Then RSS of the Ouro bot idle (bot process + plugin host), started like production
// (bot/main.ts), and the time from a hung plugin handler to the host answering again.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Client, Events, GatewayIntentBits, Partials } from "discord.js";
import { startDiscord, type DiscordStandIn } from "../local/discord/index.ts";
import { createBot } from "../bot/create-bot.ts";
import { deployCommands } from "../bot/register-commands.ts";
import { createLogger } from "../bot/core/logger.ts";
import { PluginHost } from "../bot/plugin-host/supervisor.ts";
import { BOT_NODE_FLAGS } from "../deploy-hook/bot-process.ts";
import { pluginRoot } from "../test/helpers/plugin-root.ts";
import type { OuroAppLink } from "../bot/app-link/link.ts";
import { figure, percentile, report } from "./report.ts";

const SEQUENTIAL = 300;
const CONCURRENT_TOTAL = 1000;
const IN_FLIGHT = 50;
/** Bare and Ouro alternate; each figure is the median over rounds, the ratios are medians of per-round pairs (the machine's load drifts). */
const ROUNDS = 5;

/** /ping needs nothing from the app; this link only keeps the bot from dialling out. */
const idleAppLink: OuroAppLink = {
  submitRequest: () => Promise.reject(new Error("bench")),
  status: () => Promise.reject(new Error("bench")),
  changes: async () => [],
  rollback: () => Promise.reject(new Error("bench")),
  vote: () => Promise.reject(new Error("bench")),
  stop: () => Promise.reject(new Error("bench")),
  resume: () => Promise.reject(new Error("bench")),
  reportError: async () => {},
  linkGithub: () => Promise.reject(new Error("bench")),
  unlinkGithub: () => Promise.reject(new Error("bench")),
  forget: () => Promise.reject(new Error("bench")),
  subscribe: () => () => {},
  close: async () => {},
};

interface Runner {
  start(): Promise<void>;
  stop(): Promise<void>;
}

function bareBot(discord: DiscordStandIn): Runner {
  let client: Client | undefined;
  return {
    async start() {
      // Same intents and partials as Ouro's client, so both receive the same gateway traffic.
      client = new Client({
        intents: [
          GatewayIntentBits.Guilds,
          GatewayIntentBits.GuildMessages,
          GatewayIntentBits.MessageContent,
          GatewayIntentBits.DirectMessages,
        ],
        partials: [Partials.Channel],
        rest: { api: discord.apiBase },
      });
      client.on(Events.InteractionCreate, (i) => {
        if (i.isChatInputCommand() && i.commandName === "ping") void i.reply("Pong!");
      });
      const ready = new Promise((r) => client!.once(Events.ClientReady, r));
      await client.login(discord.botToken);
      await ready;
    },
    async stop() {
      await client?.destroy();
    },
  };
}

function ouroBot(discord: DiscordStandIn, dataDir: string): Runner {
  let bot: ReturnType<typeof createBot> | undefined;
  return {
    async start() {
      bot = createBot(
        {
          discordToken: discord.botToken,
          discordApi: discord.apiBase,
          app: { url: "http://127.0.0.1:9", token: "bench-token-0123456789" },
          dataDir,
          encryptionKey: randomBytes(32),
          health: { port: 0, host: "127.0.0.1" },
          pluginTimeoutMs: 2500,
          pluginNetwork: "isolated",
          rolesGuildId: discord.guild.id,
        },
        { appLink: idleAppLink, logger: createLogger("silent") },
      );
      await bot.start();
    },
    async stop() {
      await bot?.stop();
    },
  };
}

interface Sample {
  latencies: number[];
  throughput: number;
  /** Process CPU time per interaction in the concurrent phase (stand-in + driver + bot): steadier than wall time on a busy machine. */
  cpuUs: number;
}

/** The command each measure sends, and how its answer is recognised. */
const PING = { name: "ping", check: (r: { content: string; embeds?: unknown[] }) => r.content === "Pong!" };
const HELP = { name: "help", check: (r: { content: string; embeds?: unknown[] }) => (r.embeds?.length ?? 0) > 0 };

async function measure(discord: DiscordStandIn, command = PING): Promise<Sample> {
  const once = async () => {
    const t = performance.now();
    const reply = await discord.driver.runCommand({ user: "alice", channel: "general", name: command.name }).reply();
    if (!command.check(reply)) throw new Error(`unexpected reply to /${command.name}: ${JSON.stringify(reply.content)}`);
    return performance.now() - t;
  };
  for (let i = 0; i < 30; i++) await once(); // warm-up (JIT, connection pools)
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) latencies.push(await once());
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < CONCURRENT_TOTAL) await once();
    }),
  );
  const throughput = CONCURRENT_TOTAL / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  return { latencies, throughput, cpuUs: (cpu.user + cpu.system) / CONCURRENT_TOTAL };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resident memory of all of a process's descendants (the plugin host and its launchers), from /proc. */
function childRss(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean)) {
      const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child}/status`, "utf8"));
      total += (kb ? Number(kb[1]) * 1024 : 0) + childRss(Number(child));
    }
  }
  return total;
}

/**
 * The time from a plugin handler that freezes its host (`for(;;){}`) passing its deadline to the
 * host answering a call again: the watchdog's ping going unanswered, the kill, the restart.
 */
async function hangRecovery(): Promise<number> {
  const source = `import { definePlugin } from "../../plugin-api/index.ts";\nexport default definePlugin({ name: "spin", description: "hangs", commands: [{ name: "spin", description: "x", run() { for (;;) {} } }, { name: "ok", description: "x", async run(call) { await call.reply("ok"); } }] });\n`;
  const host = new PluginHost({ root: pluginRoot({ spin: source }), timeoutMs: 500, log: createLogger("silent") });
  await host.start();
  const input = (command: string) => ({ command, options: {}, user: { id: "1", name: "bench" }, channelId: "2", settings: {} });
  const times: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const hung = await host.call("command", "spin", "spin", input("spin"), async () => undefined);
      if (hung.ok || !hung.timeout) throw new Error("the hanging handler did not time out");
      const t = performance.now();
      for (;;) {
        const r = await host.call("command", "spin", "ok", input("ok"), async () => undefined);
        if (r.ok) break;
      }
      times.push(performance.now() - t);
    }
  } finally {
    await host.stop();
  }
  return percentile(times, 50);
}

/** Starts bot/main.ts as production does and reads its RSS (and its plugin host's) once idle. */
async function idleRss(discord: DiscordStandIn, dataDir: string): Promise<{ core: number; host: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...BOT_NODE_FLAGS, fileURLToPath(new URL("../bot/main.ts", import.meta.url))], {
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: "silent",
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API: discord.apiBase,
      OURO_APP_URL: "http://127.0.0.1:9",
      OURO_APP_TOKEN: "bench-token-0123456789",
      OURO_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      OURO_DATA_DIR: dataDir,
      OURO_HEALTH_PORT: String(port),
      // Configured as in production (the model is not called while idle).
      OPENAI_API_KEY: "sk-bench",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
    },
    stdio: "ignore",
  });
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error("the bot process did not become healthy within 20 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2000)); // idle
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const m = /^process_resident_memory_bytes (\d+)$/m.exec(text);
    if (!m) throw new Error("no process_resident_memory_bytes in /metrics");
    const host = childRss(child.pid!);
    if (host < 10 * 1024 * 1024) throw new Error("the bot process has no plugin host child");
    return { core: Number(m[1]), host };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

const discord = await startDiscord({ heartbeatIntervalMs: 41_250 });
const dir = mkdtempSync(join(tmpdir(), "ouro-bench-bot-"));
try {
  await deployCommands({ token: discord.botToken, api: discord.apiBase, guildId: discord.guild.id, dataDir: dir });
  const results = { ouro: [] as Sample[], bare: [] as Sample[], core: [] as Sample[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, runner] of [
      ["bare", bareBot(discord)],
      ["ouro", ouroBot(discord, join(dir, `ouro-${round}`))],
    ] as const) {
      await runner.start();
      results[name].push(await measure(discord));
      if (name === "ouro") results.core.push(await measure(discord, HELP));
      await runner.stop();
    }
  }
  const median = (xs: number[]) => percentile(xs, 50);
  const p = (name: "ouro" | "bare" | "core", q: number) => median(results[name].map((r) => percentile(r.latencies, q)));
  const tput = (name: "ouro" | "bare") => median(results[name].map((r) => r.throughput));
  const pairedP50 = median(results.ouro.map((r, i) => percentile(r.latencies, 50) / percentile(results.bare[i].latencies, 50)));
  const pairedTput = median(results.ouro.map((r, i) => results.bare[i].throughput / r.throughput));
  const cpu = (name: "ouro" | "bare") => median(results[name].map((r) => r.cpuUs));
  const coreOverhead = median(results.core.map((r, i) => percentile(r.latencies, 50) / percentile(results.bare[i].latencies, 50)));
  const pluginOverhead = median(results.ouro.map((r, i) => percentile(r.latencies, 50) - percentile(results.core[i].latencies, 50)));
  const rss = await idleRss(discord, join(dir, "rss"));
  const recovery = await hangRecovery();
  console.log(
    `bot: /ping is a plugin command (through the plugin host), /help a core one; plugin_command_overhead = p50(/ping) − p50(/help) per round; core_command_overhead = p50(/help) / p50(bare /ping)`,
  );
  console.log(
    `bot: ${SEQUENTIAL} sequential /ping round trips and ${CONCURRENT_TOTAL} with ${IN_FLIGHT} in flight, per bot per round, ${ROUNDS} alternating rounds (medians; ratios are medians of per-round pairs)`,
  );
  report("bot", {
    interaction_p50: figure(p("ouro", 50), "ms", { target: 10, peer: p("bare", 50) }),
    interaction_p99: figure(p("ouro", 99), "ms", { peer: p("bare", 99) }),
    throughput: figure(tput("ouro"), "interactions/s", { target: 1000, peer: tput("bare"), higherIsBetter: true }),
    overhead: figure(pairedP50, "ratio", { target: 1.2 }),
    throughput_overhead: figure(pairedTput, "ratio", { target: 1.2 }),
    cpu_per_interaction: figure(cpu("ouro"), "µs", { peer: cpu("bare") }),
    core_command_overhead: figure(coreOverhead, "ratio", { target: 1.2 }),
    plugin_command_overhead: figure(pluginOverhead, "ms", { target: 2 }),
    core_command_p50: figure(p("core", 50), "ms"),
    rss_idle_core: figure(rss.core / 1024 / 1024, "MB", { target: 150 }),
    rss_idle_with_plugin_host: figure((rss.core + rss.host) / 1024 / 1024, "MB", { target: 200 }),
    hung_plugin_to_answering: figure(recovery, "ms", { target: 2000 }),
  });
} finally {
  await discord.close();
  rmSync(dir, { recursive: true, force: true });
}
