// One run of the scale bench: the world up (world.ts), every request fired at once from the
// Discord users (the /feature add-command slash command, each a distinct command name, as the
// users would type it), then watched until each has a pull request or an end with a reason —
// with, if asked, one replica SIGKILLed once a share of the PRs exist while it holds a change.
// What is counted comes from the GitHub stand-in (issues, PRs, deployments) and the app's
// store (states, reasons, audit entries); nothing is asked of the app itself.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { changeIdIn } from "../../contract/change-request.ts";
import { FINAL_STATES } from "../../contract/change-state.ts";
import type { GitHubStandIn } from "../../local/github/index.ts";
import { storeReader, type AuditEntry } from "./store.ts";
import { startScaleWorld, type ScaleWorld } from "./world.ts";

export interface RunOptions {
  label: string;
  dir: string;
  headDir: string;
  replicas: number;
  appDatabase?: string;
  botDatabase?: string;
  requests: number;
  users: number;
  /** SIGKILL replica 0 once this share of the requests have a PR (and it holds a change); none: no kill. */
  killAt?: number;
  /** Give up when nothing moved for this long. */
  stallMs: number;
  say(line: string): void;
}

export interface KillOutcome {
  /** PRs that existed when the replica was killed. */
  atPrs: number;
  /** The changes the killed replica was writing (its scratch directories). */
  held: string[];
  /** Kill → the first held change moving again on the survivor (null: none did). */
  takeoverMs: number | null;
  /** Kill → every held change moving again (null: not all did). */
  allMovedMs: number | null;
  /** The audit entries of the held changes after the kill, as they came. */
  after: AuditEntry[];
}

export interface RunResult {
  label: string;
  replicas: number;
  requests: number;
  users: number;
  /** Requests the bot answered in Discord (the announcement with the change id). */
  answered: number;
  answerFailures: string[];
  reachedPr: number;
  /** Ended without a PR, with the state and reason the store gives. */
  ended: { id: string; state: string; reason: string | null }[];
  /** Neither a PR nor an end: with the state they were last seen in. */
  lost: { id: string; state: string }[];
  /** Changes with more than one tracking issue / PR on GitHub. */
  duplicateIssues: { id: string; count: number }[];
  duplicatePrs: { id: string; count: number }[];
  deployments: number;
  /**
   * Changes with a PR and a progress message in Discord that never showed it: the event was
   * written by whichever replica opened the PR and must reach the bot through whichever
   * replica its event stream is connected to. (A request the bot could not answer has no
   * progress message: it is among the answer failures, not here.)
   */
  progressWithoutPr: string[];
  /** Request fired → its PR seen on GitHub, per change that reached one. */
  toPrMs: number[];
  /** First request fired → the last PR (or end). */
  wallMs: number;
  /** First request fired → a third of the requests with a PR (the throughput window). */
  firstThirdMs: number | null;
  kill?: KillOutcome;
  proxies: { webhooks: ReturnType<ScaleWorld["webhookProxy"]["counts"]>; botLink: ReturnType<ScaleWorld["botLinkProxy"]["counts"]> };
  logs: string;
}

interface Json {
  [k: string]: unknown;
}

/** Every page of a GitHub list, as the stand-in's site-admin reader. */
async function all(gh: GitHubStandIn, path: string): Promise<Json[]> {
  const token = gh.driver.tokenFor("ouro-driver");
  const out: Json[] = [];
  for (let page = 1; ; page++) {
    const rows = await gh.driver.request<Json[]>(token, "GET", `${path}${path.includes("?") ? "&" : "?"}per_page=100&page=${page}`);
    out.push(...rows);
    if (rows.length < 100) return out;
  }
}

/** The change ids of the attempts a replica's data directory holds (`work/<id>~<hex>`). */
function heldBy(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, "work"))
      .filter((n) => /~[0-9a-f]{12}$/.test(n))
      .map((n) => n.replace(/~[0-9a-f]{12}$/, ""));
  } catch {
    return [];
  }
}

/** The changes with a progress message (an embed titled "Change <id>"), and those whose message links their pull request. */
function progressMessages(w: ScaleWorld): { shown: Set<string>; withPr: Set<string> } {
  const shown = new Set<string>();
  const withPr = new Set<string>();
  for (const m of w.discord.internals.store.messages.values()) {
    const id = /^Change (\S+)$/.exec(m.embeds?.[0]?.title ?? "")?.[1];
    if (!id) continue;
    shown.add(id);
    if (JSON.stringify(m.components ?? []).includes('"Pull request"')) withPr.add(id);
  }
  return { shown, withPr };
}

const tally = (ids: string[]) => {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return [...m.entries()].filter(([, n]) => n > 1).map(([id, count]) => ({ id, count }));
};

export async function runScale(o: RunOptions): Promise<RunResult> {
  o.say(`${o.label}: starting ${o.replicas} app replica(s), 2 bot hosts (3 shards), ${o.users} users`);
  const w = await startScaleWorld({
    dir: o.dir,
    headDir: o.headDir,
    replicas: o.replicas,
    appDatabase: o.appDatabase,
    botDatabase: o.botDatabase,
    users: o.users,
  });
  try {
    const store = storeReader({ databaseUrl: o.appDatabase, dataDir: w.replicas[0].dataDir });
    o.say(`${o.label}: world ready; firing ${o.requests} requests`);

    // ── every request at once ──
    const fired = new Map<string, number>();
    const answerFailures: string[] = [];
    let answered = 0;
    const t0 = Date.now();
    const answers: Promise<void>[] = [];
    for (let i = 0; i < o.requests; i++) {
      const user = w.users[i % w.users.length];
      const name = `scale-${String(i + 1).padStart(3, "0")}`;
      const handle = w.discord.driver.runCommand({
        user: user.name,
        guild: user.guildId,
        channel: "requests",
        name: "feature",
        subcommand: "add-command",
        options: { name, description: `Bench command ${i + 1}`, reply: `Reply ${i + 1} from ${user.name}` },
      });
      fired.set(`discord-${handle.id}`, Date.now());
      answers.push(
        handle.reply(600_000).then(
          (m) => {
            if (/Feature request/.test(m.content)) answered++;
            else answerFailures.push(`${name}: ${m.content.slice(0, 200)}`);
          },
          (e: Error) => void answerFailures.push(`${name}: ${e.message.slice(0, 200)}`),
        ),
      );
    }

    // ── watch GitHub and the store until every request has a PR or an end ──
    const prSeen = new Map<string, number>();
    const ends = new Map<string, { state: string; reason: string | null }>();
    const lastState = new Map<string, string>();
    let kill: KillOutcome | undefined;
    let killAt = 0;
    let firstThirdMs: number | null = null;
    let lastMove = Date.now();
    let lastEnd = t0;
    const third = Math.ceil(o.requests / 3);
    const settled = () => [...fired.keys()].every((id) => prSeen.has(id) || ends.has(id));
    while (!settled()) {
      const now = Date.now();
      let moved = false;
      for (const pr of await all(w.github, `/repos/${w.repo}/pulls?state=all`)) {
        const ref = (pr.head as { ref: string }).ref;
        const id = ref.startsWith("ouro/") ? ref.slice(5) : null;
        if (id && fired.has(id) && !prSeen.has(id)) {
          prSeen.set(id, now);
          lastEnd = now;
          moved = true;
        }
      }
      for (const c of store.changes()) {
        if (lastState.get(c.id) !== c.state) moved = true;
        lastState.set(c.id, c.state);
        if ((FINAL_STATES as readonly string[]).includes(c.state) && !prSeen.has(c.id) && !ends.has(c.id)) {
          ends.set(c.id, { state: c.state, reason: c.reason });
          lastEnd = now;
        }
      }
      if (firstThirdMs === null && prSeen.size >= third) firstThirdMs = now - t0;
      if (o.killAt !== undefined && !kill && prSeen.size >= Math.ceil(o.requests * o.killAt)) {
        const victim = w.replicas[0];
        const held = heldBy(victim.dataDir);
        if (held.length > 0) {
          victim.service.proc.kill("SIGKILL");
          killAt = Date.now();
          kill = { atPrs: prSeen.size, held, takeoverMs: null, allMovedMs: null, after: [] };
          o.say(`${o.label}: SIGKILL to replica 0 with ${prSeen.size} PRs open; it held ${held.join(", ")}`);
        }
      }
      if (kill && kill.allMovedMs === null) {
        const after = store.auditSince(new Date(killAt).toISOString()).filter((a) => kill!.held.includes(a.change_id));
        kill.after = after;
        const firstOf = new Map<string, number>();
        for (const a of after) if (!firstOf.has(a.change_id)) firstOf.set(a.change_id, Date.parse(a.at) - killAt);
        if (firstOf.size > 0) kill.takeoverMs = Math.min(...firstOf.values());
        if (firstOf.size === kill.held.length) kill.allMovedMs = Math.max(...firstOf.values());
      }
      if (moved) lastMove = now;
      if (now - lastMove > o.stallMs) {
        o.say(`${o.label}: nothing moved for ${Math.round(o.stallMs / 1000)} s; stopping the watch`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const wallMs = lastEnd - t0;
    await Promise.race([Promise.all(answers), new Promise((r) => setTimeout(r, 5_000))]);
    // The last progress events reach Discord a moment after their PRs.
    let progressWithoutPr: string[] = [];
    for (const end = Date.now() + 30_000; ;) {
      const { shown, withPr } = progressMessages(w);
      progressWithoutPr = [...prSeen.keys()].filter((id) => shown.has(id) && !withPr.has(id));
      if (progressWithoutPr.length === 0 || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 250));
    }

    // ── what GitHub holds ──
    const issues = (await all(w.github, `/repos/${w.repo}/issues?state=all`)).filter((i) => !i.pull_request);
    const pulls = await all(w.github, `/repos/${w.repo}/pulls?state=all`);
    const issueIds = issues.map((i) => changeIdIn(i.body as string)).filter((id): id is string => id !== null);
    const prIds = pulls
      .map((p) => (p.head as { ref: string }).ref)
      .filter((r) => r.startsWith("ouro/"))
      .map((r) => r.slice(5));
    const deployments = (await all(w.github, `/repos/${w.repo}/deployments`)).length;
    const lost = [...fired.keys()]
      .filter((id) => !prSeen.has(id) && !ends.has(id))
      .map((id) => ({ id, state: lastState.get(id) ?? "not in the store" }));
    return {
      label: o.label,
      replicas: o.replicas,
      requests: o.requests,
      users: o.users,
      answered,
      answerFailures,
      reachedPr: prSeen.size,
      ended: [...ends.entries()].map(([id, e]) => ({ id, ...e })),
      lost,
      duplicateIssues: tally(issueIds),
      duplicatePrs: tally(prIds),
      deployments,
      progressWithoutPr,
      toPrMs: [...prSeen.entries()].map(([id, at]) => at - fired.get(id)!),
      wallMs,
      firstThirdMs,
      ...(kill ? { kill } : {}),
      proxies: { webhooks: w.webhookProxy.counts(), botLink: w.botLinkProxy.counts() },
      logs: join(o.dir, "logs"),
    };
  } finally {
    await w.close();
  }
}
