// "A deploy or a rollback drops 0 interactions, including the one that asked for it", on a
// busy machine: the real app (test/app/harness.ts) on local/github, the real deploy hook
// polling GitHub Deployments, real bot processes on local/discord, and CPU-burning child
// processes beside them. The release that received an interaction answers it before it
// is stopped: on SIGTERM a bot drains what it is handling (bounded, below the hook's SIGKILL
// grace), and /healthz says it is stopping meanwhile.
//   1. a deploy: /status is in flight on the old release (its app call held by a proxy until
//      the hook has stopped that release, seen on its /healthz) → the answer still arrives;
//   2. /rollback: the hook stops the very release handling it → the requester gets the reply.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { availableParallelism } from "node:os";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { startDeployWorld, type DeployWorld } from "./deploy-world.ts";
import { HELLO_REPLY } from "../deploy-hook/fixture.ts";

/** Forwards to the app; GET /status answers wait while `held` is set (the test lets them go). */
class HoldingProxy {
  server!: Server;
  target!: URL;
  #release: (() => void) | null = null;
  #gate: Promise<void> | null = null;
  #heldOne: (() => void) | null = null;
  /** Resolves when a /status call is being held. */
  held: Promise<void> = Promise.resolve();

  hold(): void {
    this.#gate = new Promise((r) => (this.#release = r));
    this.held = new Promise((r) => (this.#heldOne = r));
  }
  let(): void {
    this.#release?.();
    this.#gate = null;
  }
  async start(appUrl: string): Promise<string> {
    this.target = new URL(appUrl);
    this.server = createServer((req, res) => {
      const forward = () => {
        const up = request(
          { host: this.target.hostname, port: this.target.port, path: req.url, method: req.method, headers: req.headers },
          (r: IncomingMessage) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        up.on("error", () => res.destroy());
        req.pipe(up);
      };
      if (this.#gate && req.method === "GET" && /\/status$/.test(req.url ?? "")) {
        this.#heldOne?.();
        void this.#gate.then(forward);
      } else forward();
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    const port = (this.server.address() as { port: number }).port;
    return `http://127.0.0.1:${port}${this.target.pathname.replace(/\/$/, "")}`;
  }
  close(): Promise<void> {
    this.let();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** One busy loop per core: the machine is saturated while the deploy and the rollback run. */
function burnCpu(): ChildProcess[] {
  return Array.from({ length: availableParallelism() }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
}

/** Resolves once the process behind `healthUrl` no longer says ok: stopping (503) or gone. */
async function notHealthy(healthUrl: string): Promise<void> {
  await expect
    .poll(
      async () => {
        try {
          return (await fetch(`${healthUrl}/healthz`)).status;
        } catch {
          return 0;
        }
      },
      { timeout: 120_000, interval: 50 },
    )
    .not.toBe(200);
}

/** The bots' own logs (warnings and up), for a failure's message. */
function releaseLogs(): string {
  const dir = join(world.tmp, "hook", "logs");
  if (!existsSync(dir)) return "(no release logs)";
  return readdirSync(dir)
    .map((f) => `--- ${f}\n${readFileSync(join(dir, f), "utf8").slice(-3000)}`)
    .join("\n");
}

let discord: DiscordStandIn;
let world: DeployWorld;
const proxy = new HoldingProxy();
let burners: ChildProcess[] = [];

beforeAll(async () => {
  discord = await startDiscord();
  world = await startDeployWorld(discord, {}, (url) => proxy.start(url));
}, 240_000);

afterAll(async () => {
  for (const b of burners) b.kill("SIGKILL");
  await world?.close();
  await proxy.close();
  await discord?.close();
});

describe("interactions in flight at a switch are answered, under load", { timeout: 300_000 }, () => {
  it("a deploy: the old release answers the /status it is handling before it stops", async () => {
    const change = await world.mergedChange("inflight-hello", "add a hello command");
    const old = world.deployer.status().process!;
    burners = burnCpu();
    proxy.hold();
    const asked = Date.now();
    const h = discord.driver.runCommand({ user: "alice", channel: "general", name: "status", timeoutMs: 120_000 });
    await proxy.held; // the old release is handling it, waiting for the app
    world.runner.start(100); // the hook picks up the merge's deployment: new release, switch, old one stopped
    await notHealthy(old.healthUrl); // SIGTERM reached the old release (it says stopping, or is gone)
    const stopping = Date.now();
    proxy.let();
    const reply = await h.reply();
    const answered = Date.now();
    expect(reply.embeds?.[0]?.title).toBe("Ouro status");
    expect(JSON.stringify(reply.embeds)).toContain("Deployed");
    await expect.poll(() => change().state, { timeout: 120_000, interval: 100 }).toBe("deployed");
    expect(world.deployer.status().current).toBe(change().mergeSha);
    console.log(`deploy: /status answered ${answered - stopping} ms after its release began stopping (${answered - asked} ms in all)`);
  });

  it("/rollback: the release the hook stops answers the person who asked", async () => {
    const hello = world.w.app.store.changes.recent(20).find((c) => c.kind === "change" && c.state === "deployed")!;
    expect(await discord.driver.runCommand({ user: "alice", channel: "general", name: "hello" }).reply()).toMatchObject({
      content: HELLO_REPLY,
    });
    const handling = world.deployer.status().process!;
    discord.driver.createRole({ name: "Ouro Maintainer" });
    discord.driver.addMember({ user: "admin", roles: ["Ouro Maintainer"] });
    if (!burners.length) burners = burnCpu();
    let stoppingAt = 0; // when the release handling /rollback first said it was stopping (or was gone)
    const stopped = notHealthy(handling.healthUrl).then(() => (stoppingAt = Date.now()));
    const asked = Date.now();
    const h = discord.driver.runCommand({
      user: "admin",
      channel: "general",
      name: "rollback",
      options: { change: hello.id },
      timeoutMs: 60_000,
    });
    const reply = await h.reply().catch((err: Error) => {
      throw new Error(`${err.message}\n${releaseLogs()}`);
    });
    const answered = Date.now();
    expect(reply.content).toMatch(/Rolling back `/);
    // The hook (polling every 100 ms) put the previous release back and stopped the one that answered.
    await expect.poll(() => world.deployer.status().current, { timeout: 120_000, interval: 100 }).not.toBe(hello.mergeSha);
    await stopped;
    expect(world.deployer.status().process!.pid).not.toBe(handling.pid);
    const order = answered >= stoppingAt ? `${answered - stoppingAt} ms after its release began stopping` : "before its release stopped";
    console.log(`rollback: /rollback → reply ${answered - asked} ms under load, ${order}`);
  });
});
