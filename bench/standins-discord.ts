// Discord stand-in throughput: gateway dispatches per second delivered to one connected client.
// A raw `ws` client (in a worker thread) identifies (GuildMessages + MessageContent) and counts MESSAGE_CREATE frames while
// the driver posts user messages (each one a stored message + an intent-filtered dispatch); then the
// same with discord.js receiving them (parsing + caching), and interaction round trips through discord.js
// (latency and rate), so the bot benchmark knows the stand-in's share of its figures.
import { once } from "node:events";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { WebSocket } from "ws";
import { Client, Events, GatewayIntentBits } from "discord.js";
import { figure, percentile, report } from "./report.ts";
import type { Figure } from "./report.ts";
import { startDiscord } from "../local/discord/index.ts";
import type { DiscordStandIn } from "../local/discord/index.ts";

const TARGET = 20_000;

/**
 * The raw client runs in a worker thread (its own event loop, like a bot in its own process), so the
 * figure is the stand-in's send rate, not one loop shared by sender and receiver.
 */
async function rawClient(discord: DiscordStandIn): Promise<{ close: () => Promise<void>; waitFor: (n: number) => Promise<void> }> {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { role: ROLE, url: `${discord.gatewayUrl}?v=10&encoding=json`, token: discord.botToken },
  });
  const [first] = (await once(worker, "message")) as [{ ready?: true; error?: string }];
  if (!first.ready) throw new Error(`raw client: ${first.error ?? "did not get ready"}`);
  return {
    close: async () => void (await worker.terminate()),
    waitFor: (n) =>
      new Promise<void>((resolve) => {
        const onMessage = (m: { reached?: number }) => {
          if ((m.reached ?? 0) >= n) {
            worker.off("message", onMessage);
            resolve();
          }
        };
        worker.on("message", onMessage);
        worker.postMessage({ want: n });
      }),
  };
}

/** Worker side: identify, then count MESSAGE_CREATE frames and report when the parent's target is reached. */
function runRawClient(url: string, token: string): void {
  const ws = new WebSocket(url);
  let n = 0;
  let want = Infinity;
  parentPort!.on("message", (m: { want: number }) => {
    want = m.want;
    if (n >= want) parentPort!.postMessage({ reached: n });
  });
  ws.on("error", (err) => parentPort!.postMessage({ error: String(err) }));
  ws.on("message", (raw) => {
    const text = raw.toString();
    // Cheap check first: this client only counts MESSAGE_CREATE frames.
    if (text.startsWith('{"op":0,"t":"MESSAGE_CREATE"')) {
      if (++n === want) parentPort!.postMessage({ reached: n });
      return;
    }
    const p = JSON.parse(text) as { op: number; t?: string };
    if (p.op === 10)
      ws.send(
        JSON.stringify({
          op: 2,
          d: {
            token,
            intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent,
            properties: { os: "linux", browser: "bench", device: "bench" },
          },
        }),
      );
    if (p.t === "GUILD_CREATE") parentPort!.postMessage({ ready: true });
  });
}

const ROLE = "discord-raw-client";
if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) {
  const { url, token } = workerData as { url: string; token: string };
  runRawClient(url, token);
}

/** Posts `total` messages in batches, yielding so the socket flushes; returns dispatches/s seen by the client. */
async function pump(discord: DiscordStandIn, total: number, received: (n: number) => Promise<void>, base: number): Promise<number> {
  const batch = 500;
  const t0 = performance.now();
  const all = received(base + total);
  for (let sent = 0; sent < total; sent += batch) {
    for (let i = 0; i < batch; i++) discord.driver.say({ user: "alice", channel: "general", content: `message ${sent + i}` });
    await new Promise((r) => setImmediate(r));
  }
  await all;
  return (total / (performance.now() - t0)) * 1000;
}

export async function benchDiscord(): Promise<Record<string, Figure>> {
  const discord = await startDiscord({ rateLimitPerSecond: 1_000_000, interactionTimeoutMs: 60_000 });
  try {
    const raw = await rawClient(discord);
    await pump(discord, 5_000, raw.waitFor, 0); // warm-up
    const rawRate = await pump(discord, 50_000, raw.waitFor, 5_000);
    await raw.close();

    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
      rest: { api: discord.apiBase },
    });
    const readyP = once(client, Events.ClientReady);
    await client.login(discord.botToken);
    await readyP;
    let seen = 0;
    let want = Infinity;
    let done: () => void = () => {};
    client.on(Events.MessageCreate, () => {
      if (++seen >= want) done();
    });
    const djsWait = (n: number) =>
      new Promise<void>((resolve) => {
        want = n;
        done = resolve;
        if (seen >= n) resolve();
      });
    await pump(discord, 2_000, djsWait, 0);
    const djsRate = await pump(discord, 20_000, djsWait, 2_000);

    // Interaction round trips through discord.js (INTERACTION_CREATE → POST callback → reply stored),
    // the stand-in's share of what the bot benchmark measures: sequential latency, then concurrent rate.
    await client.application!.commands.set([{ name: "ping", description: "Ping" }]);
    client.on(Events.InteractionCreate, (i) => void (i.isChatInputCommand() && i.reply("pong")));
    const lat: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      await discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }).reply();
      if (i >= 50) lat.push(performance.now() - t);
    }
    const n = 2_000;
    const t1 = performance.now();
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      inflight.push(discord.driver.runCommand({ user: "alice", channel: "general", name: "ping", timeoutMs: 30_000 }).reply(30_000));
      if (inflight.length >= 100) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
    const roundTrips = (n / (performance.now() - t1)) * 1000;
    await client.destroy();
    return {
      discord_dispatch_per_s: figure(rawRate, "dispatches/s", { target: TARGET, higherIsBetter: true }),
      discord_dispatch_discordjs_per_s: figure(djsRate, "dispatches/s", { higherIsBetter: true }),
      discord_interaction_p50_ms: figure(percentile(lat, 50), "ms"),
      discord_interactions_per_s: figure(roundTrips, "interactions/s", { higherIsBetter: true }),
    };
  } finally {
    await discord.close();
  }
}

if (isMainThread && import.meta.url === `file://${process.argv[1]}`) report("standins-discord", await benchDiscord());
