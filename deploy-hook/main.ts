// The deploy hook's entry, by hand or as a service. The hook is its own process on the bot's
// host: deployer.ts (releases, gate, switch, watch, rollback), github-deployments.ts (GitHub
// Deployments in, statuses out), handover-file.ts (contract/handover.ts, read by every bot).
//   node deploy-hook/main.ts deploy <sha> --repo URL|PATH --data DIR   (waits through the watch window)
//   node deploy-hook/main.ts rollback --repo … --data …                  (previous release, now)
//   node deploy-hook/main.ts status --data DIR
//   node deploy-hook/main.ts serve --repo … --data … --github-api URL --github-repo owner/name
//        (GITHUB_TOKEN in the environment: polls GitHub Deployments and reports their statuses,
//        and a live release's later crash loop on the deployment that put it live)
// The bot's environment (DISCORD_TOKEN, OURO_APP_URL, …) is passed through from ours, e.g.
// `npm run deploy-hook -- … --bot-env /etc/ouro/bot.env` (npm runs it on the project's Node 24;
// the system's `node` may be older) or `npx node --env-file=… deploy-hook/main.ts …`.
// Sharded form: `--shards N [--shard-ids 0,1]` (or OURO_SHARDS / OURO_SHARD_IDS in that
// environment) runs bot/shard.ts with this host's shards, and the health gate waits for every one.
// Bots keep running when the CLI exits.
// Exit codes: 0 done, 1 the release failed (rolled back / not switched), 2 bad input.
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { Octokit } from "@octokit/rest";
import { Deployer, type DeployerOptions } from "./deployer.ts";
import { GitHubDeployments } from "./github-deployments.ts";
import { shardPlanFromEnv } from "../contract/shards.ts";

const usage =
  "usage: npm run deploy-hook -- deploy <sha> | rollback | status | serve  --repo URL|PATH --data DIR [--bot-env FILE] [--keep N] [--settle-ms N] [--watch-ms N] [--health-timeout-ms N] [--crash-loop-ms N] [--handover stop|gate] [--shards N [--shard-ids 0,1|2|0-3]] [--seed DIR] [--no-register] [--github-api URL --github-repo owner/name] [--poll-ms N]";

const flagsSchema = z.object({
  repo: z.string().min(1).optional(),
  data: z.string().min(1, "--data is required"),
  keep: z.coerce.number().int().min(1).optional(),
  "settle-ms": z.coerce.number().int().min(0).optional(),
  "watch-ms": z.coerce.number().int().min(0).optional(),
  "health-timeout-ms": z.coerce.number().int().min(100).optional(),
  "crash-loop-ms": z.coerce.number().int().min(0).optional(),
  handover: z.enum(["stop", "gate"]).optional(),
  seed: z.array(z.string()).optional(),
  "no-register": z.boolean().optional(),
  "github-api": z.url().optional(),
  "github-repo": z
    .string()
    .regex(/^[^/\s]+\/[^/\s]+$/, "--github-repo must be owner/name")
    .optional(),
  "poll-ms": z.coerce.number().int().min(100).default(2000),
  "bot-env": z.array(z.string().min(1)).optional(),
  shards: z.string().optional(),
  "shard-ids": z.string().optional(),
});

function fail(message: string, code = 2): never {
  console.error(`deploy: ${message}\n${usage}`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      repo: { type: "string" },
      data: { type: "string" },
      keep: { type: "string" },
      "settle-ms": { type: "string" },
      "watch-ms": { type: "string" },
      "health-timeout-ms": { type: "string" },
      "crash-loop-ms": { type: "string" },
      handover: { type: "string" },
      seed: { type: "string", multiple: true },
      "no-register": { type: "boolean" },
      "github-api": { type: "string" },
      "github-repo": { type: "string" },
      "poll-ms": { type: "string" },
      "bot-env": { type: "string", multiple: true },
      shards: { type: "string" },
      "shard-ids": { type: "string" },
    },
  });
} catch (err) {
  fail((err as Error).message);
}
const [command, arg] = parsed.positionals;
const flags = flagsSchema.safeParse(parsed.values);
if (!flags.success) fail(`invalid flags: ${z.prettifyError(flags.error).replace(/\n/g, " ")}`);
const f = flags.data;
// Like `node --env-file=FILE` (a name Node itself would take, even after the script): variables already set win; a missing or unreadable file is bad input.
for (const file of f["bot-env"] ?? []) {
  // (Node exits by itself on a missing file instead of throwing: checked first.)
  if (!existsSync(file)) fail(`cannot read --bot-env ${file}: no such file`);
  try {
    process.loadEnvFile(file);
  } catch (err) {
    fail(`cannot read --bot-env ${file}: ${(err as Error).message}`);
  }
}
// --shards / --shard-ids are OURO_SHARDS / OURO_SHARD_IDS for the bot (and win over them).
if (f.shards !== undefined) process.env.OURO_SHARDS = f.shards;
if (f["shard-ids"] !== undefined) process.env.OURO_SHARD_IDS = f["shard-ids"];
try {
  shardPlanFromEnv(process.env);
} catch (err) {
  fail(
    (err as Error).message.replace(/^OURO_SHARDS\b/, "--shards (OURO_SHARDS)").replace(/^OURO_SHARD_IDS\b/, "--shard-ids (OURO_SHARD_IDS)"),
  );
}
if (!["deploy", "rollback", "status", "serve"].includes(command ?? "")) fail(`unknown command ${JSON.stringify(command ?? "")}`);
if (command !== "status" && !f.repo) fail("--repo is required");
if (command === "deploy" && !arg) fail("deploy needs a commit sha");

if (command === "serve" && (!f["github-api"] || !f["github-repo"])) fail("serve needs --github-api and --github-repo");
const token = process.env.GITHUB_TOKEN;
if (command === "serve" && !token) fail("serve needs GITHUB_TOKEN (deployments: read and write)");

let gh: GitHubDeployments | null = null;
const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
const opts: DeployerOptions = {
  repo: f.repo ?? "",
  dataDir: resolve(f.data),
  env,
  keep: f.keep,
  settleMs: f["settle-ms"],
  watchMs: f["watch-ms"],
  healthTimeoutMs: f["health-timeout-ms"],
  crashLoopMs: f["crash-loop-ms"],
  handover: f.handover,
  depSeeds: f.seed?.map((s) => resolve(s)),
  registerCommands: !f["no-register"],
  log: (msg, detail) => console.log(`${new Date().toISOString()} ${msg}${detail ? ` ${JSON.stringify(detail)}` : ""}`),
  hooks: { onStatus: (state, description) => console.log(`status ${state}: ${description}`) },
  // serve: a crash loop of a release some deployment put live (before a restart of this
  // hook, too) gets its failure status on that deployment.
  deploymentHooks: (id) => gh?.statusHooks(id) ?? null,
};
const deployer = new Deployer(opts);
if (command === "serve") {
  const [owner, name] = f["github-repo"]!.split("/");
  gh = new GitHubDeployments({
    octokit: new Octokit({ auth: token, baseUrl: f["github-api"] }),
    owner,
    repo: name,
    deployer,
    log: opts.log,
  });
}

if (command === "status") {
  console.log(JSON.stringify(deployer.status(), null, 2));
  process.exit(0);
}

try {
  await deployer.resume();
} catch (err) {
  console.error(`deploy: ${(err as Error).message}`);
}

if (command === "deploy") {
  const r = await deployer.deploy(arg!);
  const outcome = r.watch ? await r.watch : null;
  if (outcome) console.log(`watch window: ${outcome}`);
  deployer.detach();
  const judgedBad = outcome === "rolled-back" || outcome === "rollback-failed";
  process.exit(r.state === "success" && !judgedBad ? 0 : r.state === "error" ? 2 : 1);
}

if (command === "rollback") {
  const r = await deployer.rollback();
  deployer.detach();
  process.exit(r.state === "success" ? 0 : 2);
}

// serve
gh!.start(f["poll-ms"]);
console.log(`deploy hook: watching deployments of ${f["github-repo"]} every ${f["poll-ms"]} ms`);
const stop = async () => {
  await gh!.stop();
  deployer.detach(); // the live bot keeps serving; the next hook adopts it
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
