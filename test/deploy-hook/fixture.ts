// A real repository for deploy tests: a clone of this checkout's committed HEAD (so the
// releases run the real bot), plus commits for the cases the hook must judge.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { GIT_ENV } from "../helpers/git.ts";
import type { DiscordStandIn } from "../../local/discord/index.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface DeployFixture {
  dir: string;
  base: string;
  /** Adds /hello (a new plugin) to base. */
  hello: string;
  /** The bot's entry throws at start: the process dies before /healthz. */
  crashAtStart: string;
  /** Starts fine, exits as soon as the handover makes it the live release (code in the bot's entry: plugins cannot exit the bot). */
  crashWhenLive: string;
  /** Starts fine, exits 1.5 s after becoming the live release (inside the watch window; the bench uses it). */
  crashSoonAfter: string;
  /**
   * Starts fine, exits once it is the live release and the test has cued it (CRASH_CUE in its
   * data dir): a crash inside the watch window on any machine, whatever the switch took.
   */
  crashOnCue: string;
  /**
   * base, except that a process started while NO_START_CUE exists in its data dir exits at
   * start: a release that was good and no longer comes up (a rollback target that fails).
   */
  noStartOnCue: string;
  /**
   * base, except that under bot/shard.ts shard 1 does not start while SHARD_STUCK_CUE exists in
   * its data dir (it waits for the cue to go): a shard that is late, or never healthy.
   */
  shardStuckOnCue: string;
  /** A lockfile npm cannot read: the install fails. */
  brokenInstall: string;
  /** /ping throws: every /ping gets the bot's error reply (an error rate of 100%). */
  pingFails: string;
  cleanup(): void;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: "utf8" }).trim();

export const HELLO_REPLY = "Hello from the new release!";

const helloPlugin = `import { definePlugin } from "../../plugin-api/index.ts";

export default definePlugin({
  name: "hello",
  description: "Says hello",
  commands: [
    {
      name: "hello",
      description: "Say hello",
      async run(call) {
        await call.reply(${JSON.stringify(HELLO_REPLY)});
      },
    },
  ],
});
`;

/** The file that makes the `crashOnCue` release exit, in the bot's OURO_DATA_DIR. */
export const CRASH_CUE = "crash-now";

const crashOnCue = `import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
setInterval(() => {
  try {
    const h = JSON.parse(readFileSync(String(process.env.OURO_HANDOVER_FILE), "utf8"));
    if (h.release === process.env.OURO_RELEASE && existsSync(join(String(process.env.OURO_DATA_DIR), ${JSON.stringify(CRASH_CUE)}))) process.exit(7);
  } catch {}
}, 20).unref();
`;

/** The file that makes the `noStartOnCue` release exit at start, in the bot's OURO_DATA_DIR. */
export const NO_START_CUE = "no-start";

const noStartOnCue = `import { existsSync } from "node:fs";
import { join } from "node:path";
if (existsSync(join(String(process.env.OURO_DATA_DIR), ${JSON.stringify(NO_START_CUE)}))) {
  console.error("no-start cue: exiting at start");
  process.exit(3);
}
`;

/** The file that holds shard 1 of the `shardStuckOnCue` release before it starts, in the bot's OURO_DATA_DIR. */
export const SHARD_STUCK_CUE = "shard-stuck";

const shardStuckOnCue = `import { existsSync } from "node:fs";
import { join } from "node:path";
const cue = join(String(process.env.OURO_DATA_DIR), ${JSON.stringify(SHARD_STUCK_CUE)});
if (process.env.SHARDS === "1" && existsSync(cue)) {
  console.error("shard-stuck cue: shard 1 waits for it to go");
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (existsSync(cue)) return;
      clearInterval(t);
      resolve();
    }, 20);
  });
}
`;

const crashWhenLive = (afterMs: number) => `import { readFileSync } from "node:fs";
setInterval(() => {
  try {
    const h = JSON.parse(readFileSync(String(process.env.OURO_HANDOVER_FILE), "utf8"));
    if (h.release === process.env.OURO_RELEASE && Date.now() >= h.cutoverAt + ${afterMs}) process.exit(7);
  } catch {}
}, 20).unref();
`;

export function makeDeployFixture(): DeployFixture {
  const tmp = mkdtempSync(join(tmpdir(), "ouro-deploy-repo-"));
  const dir = join(tmp, "repo");
  git(tmp, "clone", "-q", "--no-hardlinks", ROOT, dir);
  git(dir, "config", "commit.gpgsign", "false");
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const commit = (msg: string) => {
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", msg);
    return git(dir, "rev-parse", "HEAD");
  };
  const branchFrom = (name: string, from: string) => git(dir, "checkout", "-q", "-b", name, from);
  const base = git(dir, "rev-parse", "HEAD");
  const registry = readFileSync(join(dir, "bot/plugins/index.ts"), "utf8");
  const main = readFileSync(join(dir, "bot/main.ts"), "utf8");

  branchFrom("hello", base);
  write("bot/plugins/hello/index.ts", helloPlugin);
  write(
    "bot/plugins/index.ts",
    registry
      .replace(/(import ping from "\.\/ping\/index\.ts";)/, '$1\nimport hello from "./hello/index.ts";')
      .replace(/\[ping\]/, "[ping, hello]"),
  );
  const hello = commit("add /hello");

  branchFrom("crash-start", base);
  write("bot/main.ts", `import "./crash-at-start.ts";\n${main}`);
  write("bot/crash-at-start.ts", `throw new Error("boom at start");\n`);
  const crashAtStart = commit("crash at start");

  branchFrom("crash-live", base);
  write("bot/main.ts", `import "./crash-when-live.ts";\n${main}`);
  write("bot/crash-when-live.ts", crashWhenLive(0));
  const crashLive = commit("crash once live");
  write("bot/crash-when-live.ts", crashWhenLive(1500));
  const crashSoon = commit("crash 1.5 s after going live");
  write("bot/crash-when-live.ts", crashOnCue);
  const crashCued = commit("crash once live and cued");

  branchFrom("no-start-on-cue", base);
  write("bot/main.ts", `import "./no-start-on-cue.ts";\n${main}`);
  write("bot/no-start-on-cue.ts", noStartOnCue);
  const noStart = commit("exit at start when cued");

  branchFrom("shard-stuck-on-cue", base);
  write("bot/main.ts", `import "./shard-stuck-on-cue.ts";\n${main}`);
  write("bot/shard-stuck-on-cue.ts", shardStuckOnCue);
  const shardStuck = commit("shard 1 waits while cued");

  branchFrom("broken-install", base);
  write("package-lock.json", "{ this is not json");
  const brokenInstall = commit("break the lockfile");

  branchFrom("ping-fails", base);
  const ping = readFileSync(join(dir, "bot/plugins/ping/index.ts"), "utf8");
  const failing = ping.replace(/async run\(call\) \{/, 'async run(call) {\n        if (call.user.id) throw new Error("ping is broken");');
  if (failing === ping) throw new Error("fixture: could not break bot/plugins/ping/index.ts");
  write("bot/plugins/ping/index.ts", failing);
  const pingFails = commit("/ping throws");
  git(dir, "checkout", "-q", "main");
  return {
    dir,
    base,
    hello,
    crashAtStart,
    crashWhenLive: crashLive,
    crashSoonAfter: crashSoon,
    crashOnCue: crashCued,
    noStartOnCue: noStart,
    shardStuckOnCue: shardStuck,
    brokenInstall,
    pingFails,
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
  };
}

/** The environment a deployed bot needs against the stand-in (the app link points nowhere: the bot keeps retrying it). */
export function botEnv(discord: DiscordStandIn, botData: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    LOG_LEVEL: process.env.OURO_TEST_BOT_LOG ?? "error",
    DISCORD_TOKEN: discord.botToken,
    DISCORD_API: discord.apiBase,
    DISCORD_APPLICATION_ID: discord.applicationId,
    // The guild whose roles count (the stand-in's seeded one).
    OURO_ROLES_GUILD_ID: discord.guild.id,
    OURO_APP_URL: "http://127.0.0.1:9/",
    OURO_APP_TOKEN: "deploy-test-token-0123456789",
    OURO_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    OURO_DATA_DIR: botData,
  };
}
