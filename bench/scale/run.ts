// One run of the scale bench: the world up (world.ts), every request fired at once from the
// Discord users (the /feature add-command slash command, each a distinct command name, as the
// users would type it), then watched until each has a pull request or an end with a reason —
// with, if asked, one replica SIGKILLed once a share of the PRs exist while it holds a change;
// and, unless told not to, each PR merged once the app has seen its checks pass (merges.ts),
// watched on until the app has made its deployment. What is counted comes from the GitHub
// stand-in (issues, PRs, deployments), the Discord stand-in (when each interaction got its
// first callback) and the app's store (states, reasons, audit entries); nothing is asked of
// the app itself.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { changeIdIn } from "../../contract/change-request.ts";
import { FINAL_STATES } from "../../contract/change-state.ts";
import type { InteractionHandle } from "../../local/discord/interaction-handle.ts";
import type { GitHubStandIn } from "../../local/github/index.ts";
import { mergesFor, type MergedPr } from "./merges.ts";
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
  /** Merge each PR once its checks passed and watch for the app's deployment (false: stop at the PR). */
  merge: boolean;
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
  /** Per request with one: fired → the bot's first interaction callback (reply or defer, in time or refused as late). */
  firstCallbackMs: number[];
  /** Requests whose first callback came past Discord's 3 s (refused: the user saw "did not respond"). */
  lateCallbacks: number;
  /** Requests the bot never called back at all. */
  noCallback: number;
  reachedPr: number;
  /** Ended without a PR, with the state and reason the store gives. */
  ended: { id: string; state: string; reason: string | null }[];
  /** Neither a PR nor an end: with the state they were last seen in. */
  lost: { id: string; state: string }[];
  /** Changes with more than one tracking issue / PR on GitHub. */
  duplicateIssues: { id: string; count: number }[];
  duplicatePrs: { id: string; count: number }[];
  deployments: number;
  /** The merge phase (absent when the run stopped at the PR). */
  merges?: MergeOutcome;
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

export interface MergeOutcome {
  /** Change id → its merge (by the bench's maintainer, or the app's own gate). */
  merged: Map<string, MergedPr>;
  /** Merges GitHub refused, by reason: conflicts the app had not yet redone, heads that moved. */
  refused: Record<string, number>;
  /** Changes whose PR ended unmerged (the app closed it, e.g. its conflict-redo budget spent), with the store's reason. */
  closedUnmerged: { id: string; state: string; reason: string | null }[];
  /** Changes with a PR still open when the watch ended, with their last state. */
  stillOpen: { id: string; state: string }[];
  /** Merge commits with more than one deployment on GitHub (target: none). */
  duplicateDeployments: { id: string; sha: string; count: number }[];
  /** Merged changes whose merge commit never got a deployment (target: none). */
  withoutDeployment: { id: string; sha: string }[];
  /** Merge → its deployment seen on GitHub, per merged change that got one. */
  mergeToDeploymentMs: number[];
  /** Merges answered after the SIGKILL (run with a kill). */
  afterKill: number;
}

/** Discord's window for an interaction's first callback. */
const DISCORD_WINDOW_MS = 3_000;
/** The app's reconcile period (app/start.ts's default tick). */
const RECONCILE_MS = 30_000;

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
  const store = storeReader({ databaseUrl: o.appDatabase, dataDir: w.replicas[0].dataDir });
  try {
    o.say(`${o.label}: world ready; firing ${o.requests} requests`);

    // ── every request at once ──
    const fired = new Map<string, number>();
    const handles: InteractionHandle[] = [];
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
      handles.push(handle);
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

    // ── watch GitHub and the store until every request has a PR (or, merging, a deployment) or an end ──
    const prSeen = new Map<string, number>();
    const ends = new Map<string, { state: string; reason: string | null }>();
    const closedUnmerged = new Map<string, { state: string; reason: string | null }>();
    const deployedSeen = new Map<string, number>();
    const lastState = new Map<string, string>();
    const merges = o.merge ? mergesFor(w.github, w.repo, (pr) => changeOf(pr, fired)) : null;
    let kill: KillOutcome | undefined;
    let killAt = 0;
    let firstThirdMs: number | null = null;
    let lastMove = Date.now();
    let lastEnd = t0;
    const third = Math.ceil(o.requests / 3);
    const done = (id: string) => ends.has(id) || (merges ? deployedSeen.has(id) || closedUnmerged.has(id) : prSeen.has(id));
    const settled = () => [...fired.keys()].every(done);
    while (!settled()) {
      const now = Date.now();
      let moved = false;
      const pulls = await all(w.github, `/repos/${w.repo}/pulls?state=all`);
      for (const pr of pulls) {
        const id = changeOf(pr, fired);
        if (id && !prSeen.has(id)) {
          prSeen.set(id, now);
          lastEnd = now;
          moved = true;
        }
      }
      for (const c of await store.changes()) {
        if (lastState.get(c.id) !== c.state) moved = true;
        lastState.set(c.id, c.state);
        if (!(FINAL_STATES as readonly string[]).includes(c.state) || ends.has(c.id) || closedUnmerged.has(c.id)) continue;
        if (!prSeen.has(c.id)) {
          ends.set(c.id, { state: c.state, reason: c.reason });
          lastEnd = now;
        } else if (merges && !merges.merged.has(c.id)) closedUnmerged.set(c.id, { state: c.state, reason: c.reason });
      }
      if (merges) {
        const before = merges.merged.size;
        await merges.pass(pulls, (id) => lastState.get(id));
        if (merges.merged.size !== before) moved = true;
        const deployed = new Set((await all(w.github, `/repos/${w.repo}/deployments`)).map((d) => d.sha as string));
        for (const [id, m] of merges.merged)
          if (!deployedSeen.has(id) && deployed.has(m.sha)) {
            deployedSeen.set(id, Date.now());
            moved = true;
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
          o.say(
            `${o.label}: SIGKILL to replica 0 with ${prSeen.size} PRs open${merges ? ` and ${merges.merged.size} merged` : ""}; it held ${held.join(", ")}`,
          );
        }
      }
      if (kill && kill.allMovedMs === null) {
        const after = (await store.auditSince(new Date(killAt).toISOString())).filter((a) => kill!.held.includes(a.change_id));
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
    // A duplicate deployment would come from a second look at a merge (a redelivered webhook,
    // the other replica's reconcile every 30 s, a takeover): give every replica one more pass.
    if (merges && merges.merged.size > 0) await new Promise((r) => setTimeout(r, RECONCILE_MS + 5_000));

    // ── what GitHub holds ──
    const issues = (await all(w.github, `/repos/${w.repo}/issues?state=all`)).filter((i) => !i.pull_request);
    const pulls = await all(w.github, `/repos/${w.repo}/pulls?state=all`);
    const issueIds = issues.map((i) => changeIdIn(i.body as string)).filter((id): id is string => id !== null);
    const prIds = pulls
      .map((p) => (p.head as { ref: string }).ref)
      .filter((r) => r.startsWith("ouro/"))
      .map((r) => r.slice(5));
    const deploymentList = await all(w.github, `/repos/${w.repo}/deployments`);
    const lost = [...fired.keys()]
      .filter((id) => !prSeen.has(id) && !ends.has(id))
      .map((id) => ({ id, state: lastState.get(id) ?? "not in the store" }));
    const callbacks = handles.map((h) => h.firstCallbackMs).filter((ms): ms is number => ms !== undefined);
    return {
      label: o.label,
      replicas: o.replicas,
      requests: o.requests,
      users: o.users,
      answered,
      answerFailures,
      firstCallbackMs: callbacks,
      lateCallbacks: handles.filter((h) => h.lateCallback || (h.firstCallbackMs ?? 0) > DISCORD_WINDOW_MS).length,
      noCallback: handles.length - callbacks.length,
      reachedPr: prSeen.size,
      ended: [...ends.entries()].map(([id, e]) => ({ id, ...e })),
      lost,
      duplicateIssues: tally(issueIds),
      duplicatePrs: tally(prIds),
      deployments: deploymentList.length,
      ...(merges
        ? { merges: mergeOutcome(merges.merged, merges.refused, deploymentList, deployedSeen, closedUnmerged, prSeen, lastState, killAt) }
        : {}),
      progressWithoutPr,
      toPrMs: [...prSeen.entries()].map(([id, at]) => at - fired.get(id)!),
      wallMs,
      firstThirdMs,
      ...(kill ? { kill } : {}),
      proxies: { webhooks: w.webhookProxy.counts(), botLink: w.botLinkProxy.counts() },
      logs: join(o.dir, "logs"),
    };
  } finally {
    await store.close();
    await w.close();
  }
}

/** The change a PR is for (its `ouro/<id>` branch), if it is one of this run's requests. */
function changeOf(pr: Json, fired: Map<string, number>): string | null {
  const ref = (pr.head as { ref: string }).ref;
  const id = ref.startsWith("ouro/") ? ref.slice(5) : null;
  return id && fired.has(id) ? id : null;
}

function mergeOutcome(
  merged: Map<string, MergedPr>,
  refused: Map<string, number>,
  deployments: Json[],
  deployedSeen: Map<string, number>,
  closedUnmerged: Map<string, { state: string; reason: string | null }>,
  prSeen: Map<string, number>,
  lastState: Map<string, string>,
  killAt: number,
): MergeOutcome {
  const bySha = new Map<string, number>();
  for (const d of deployments) bySha.set(d.sha as string, (bySha.get(d.sha as string) ?? 0) + 1);
  const list = [...merged.entries()];
  return {
    merged,
    refused: Object.fromEntries(refused),
    closedUnmerged: [...closedUnmerged.entries()].map(([id, e]) => ({ id, ...e })),
    stillOpen: [...prSeen.keys()]
      .filter((id) => !merged.has(id) && !closedUnmerged.has(id))
      .map((id) => ({ id, state: lastState.get(id) ?? "?" })),
    duplicateDeployments: list
      .filter(([, m]) => (bySha.get(m.sha) ?? 0) > 1)
      .map(([id, m]) => ({ id, sha: m.sha, count: bySha.get(m.sha)! })),
    withoutDeployment: list.filter(([, m]) => !bySha.has(m.sha)).map(([id, m]) => ({ id, sha: m.sha })),
    mergeToDeploymentMs: list.filter(([id]) => deployedSeen.has(id)).map(([id, m]) => deployedSeen.get(id)! - m.at),
    afterKill: killAt ? list.filter(([, m]) => m.at >= killAt).length : 0,
  };
}
