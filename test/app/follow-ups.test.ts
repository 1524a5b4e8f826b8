// Bounded automatic follow-ups, through the real app on the GitHub stand-in and the real agent
// with the scripted model: a failed check run's output and annotations go to the agent as a
// `ci-failure` follow-up and a fix lands on the same branch; a "changes requested" review from
// a user with write access (its body and line comments) does the same as a `review-comment`.
// The budget (`agent.followUps`) is counted per change; once spent, the change waits for a
// human and says why. Pending checks, read-only reviewers and redelivered events start nothing.
import { execSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentWriter, type ChangeWriter, type WriteJob } from "../../app/writer.ts";
import { startOpenAI, type OpenAIStandIn, type ScriptedTurn } from "../../local/openai/index.ts";
import { actor, REPO, startWorld, type World } from "./harness.ts";

const PROJECT = fileURLToPath(new URL("../..", import.meta.url));
interface Pull {
  head: { ref: string; sha: string };
}

/** What the agent works on: this project's committed bot/ and its build config (policies come from the harness). */
function projectFiles(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "ouro-follow-ups-tree-"));
  execSync(`git archive HEAD bot tsconfig.json vitest.config.ts package.json | tar -x -C ${JSON.stringify(dir)}`, { cwd: PROJECT });
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files[relative(dir, p)] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  rmSync(dir, { recursive: true, force: true });
  return files;
}

let w: World;
let llm: OpenAIStandIn;
const jobs: WriteJob[] = [];

beforeAll(async () => {
  llm = await startOpenAI();
  const agent = agentWriter({ client: new OpenAI({ baseURL: llm.baseURL, apiKey: llm.apiKey, maxRetries: 0 }), model: "ouro-local" });
  const writer: ChangeWriter = (job) => {
    jobs.push(job);
    return agent(job);
  };
  w = await startWorld({
    files: projectFiles(),
    writer,
    policy: { agent: { followUps: 1 }, circuitBreaker: { failureThreshold: 10 } },
  });
  w.gh.driver.setPermission(REPO, "rita", "read");
  w.gh.driver.setPermission(REPO, "carol", "write");
}, 120_000);
afterAll(async () => {
  await w?.close();
  await llm?.close();
});

const change = (id: string) => w.app.store.changes.byId(id)!;
const userPrompt = (i: number) => String((llm.requests[i].messages as { role: string; content: unknown }[])[1].content);
/** The scripted model's follow-up: a note next to the plugin, then finish. */
const note = (path: string, text: string): ScriptedTurn[] => [
  { toolCalls: [{ name: "write_file", arguments: { path, content: `# Note\n\n${text}\n` } }] },
  { toolCalls: [{ name: "finish", arguments: { title: "Address the follow-up", summary: text } }] },
];

async function recipeChange(id: string, name: string): Promise<string> {
  const res = await w.api("POST", "/changes", {
    id,
    requester: actor("111", "alice"),
    text: `add /${name}`,
    recipe: { kind: "add-command", name, description: `Says ${name}`, reply: `${name}!` },
  });
  expect(res.status).toBe(201);
  await w.settle();
  const changeId = String(res.body.changeId);
  expect(change(changeId)).toMatchObject({ state: "checks", followUps: [] });
  return changeId;
}

const parentOf = async (sha: string) =>
  ((await w.gh.driver.user("carol").request("GET", `/repos/${REPO}/commits/${sha}`)) as { parents: { sha: string }[] }).parents.map(
    (p) => p.sha,
  );
const branchPulls = async (id: string) =>
  ((await w.gh.driver.pulls(REPO, "all")) as unknown as Pull[]).filter((p) => p.head.ref === `ouro/${id}`);

describe("follows up on failed checks", () => {
  let id: string;
  let first: string;
  let second: string;

  it("waits while other checks still run: nothing is started", async () => {
    id = await recipeChange("fu-ci-1", "wave");
    first = change(id).headSha!;
    await w.ci.rest.checks.create({ owner: "acme", repo: "bot", name: "ci/lint", head_sha: first, status: "in_progress" });
    await w.ci.rest.checks.create({
      owner: "acme",
      repo: "bot",
      name: "ci/test",
      head_sha: first,
      status: "completed",
      conclusion: "failure",
      output: {
        title: "1 test failed",
        summary: "wave.test.ts: expected a wave",
        text: `${"noise line\n".repeat(400)}FAIL bot/plugins/wave/wave.test.ts > replies\nAssertionError: WAVE-LOG-TAIL`,
        annotations: [
          {
            path: "bot/plugins/wave/index.ts",
            start_line: 3,
            end_line: 3,
            annotation_level: "failure",
            title: "lint",
            message: "WAVE-ANNOTATION: describe the command",
          },
        ],
      },
    });
    await w.settle();
    expect(jobs).toHaveLength(1);
    expect(change(id)).toMatchObject({
      state: "checks",
      followUps: [],
      reason: expect.stringMatching(/waiting for ci\/lint before the agent/),
    });
  });

  it("once every check is done the agent gets a ci-failure follow-up with the output and annotations; a commit lands on the same branch", async () => {
    llm.requests.length = 0;
    llm.enqueue(...note("docs/wave.md", "The wave command is described."));
    const lint = (await w.ci.rest.checks.listForRef({ owner: "acme", repo: "bot", ref: first, check_name: "ci/lint" })).data.check_runs[0];
    await w.ci.rest.checks.update({ owner: "acme", repo: "bot", check_run_id: lint.id, status: "completed", conclusion: "success" });
    await w.settle();

    expect(jobs).toHaveLength(2);
    const job = jobs[1];
    expect(job.followUp?.kind).toBe("ci-failure");
    expect(job.followUp?.text).toContain("## ci/test: failure");
    expect(job.followUp?.text).toContain("bot/plugins/wave/index.ts:3 (failure) lint: WAVE-ANNOTATION: describe the command");
    expect(job.followUp?.text).toContain("wave.test.ts: expected a wave");
    expect(job.followUp?.text).toContain("AssertionError: WAVE-LOG-TAIL"); // the log's tail, not its head
    expect(job.followUp!.text.length).toBeLessThan(5000);
    const prompt = userPrompt(0);
    expect(prompt).toContain("The failed CI run's output");
    expect(prompt).toContain("WAVE-ANNOTATION: describe the command");

    const c = change(id);
    second = c.headSha!;
    expect(second).not.toBe(first);
    expect(await parentOf(second)).toEqual([first]);
    const prs = await branchPulls(id);
    expect(prs).toHaveLength(1);
    expect(prs[0].head.sha).toBe(second);
    expect(c).toMatchObject({ state: "checks", followUps: [{ kind: "ci-failure", via: "checks", key: `checks:${first}` }] });
    expect(w.app.store.audit.of(id).find((a) => a.event === "follow-up.queued")?.detail).toMatchObject({
      via: "checks",
      round: 1,
      budget: 1,
    });
  });

  it("a redelivered check run event starts nothing again", async () => {
    const completed = w.gh.deliveries
      .list({ event: "check_run", action: "completed" })
      .filter((d) => JSON.stringify(w.gh.deliveries.get(d.id)?.request.payload).includes(first));
    expect(completed.length).toBeGreaterThan(0);
    for (const d of completed) w.gh.deliveries.redeliver(d.id);
    await w.app.reconcile();
    await w.settle();
    expect(jobs).toHaveLength(2);
    expect(change(id).followUps).toHaveLength(1);
  });

  it("budget spent: the next failure runs nothing, and the change and its progress comment say why", async () => {
    const requests = llm.requests.length;
    await w.check(second, "failure");
    await w.settle();
    expect(jobs).toHaveLength(2);
    expect(llm.requests.length).toBe(requests);
    const c = change(id);
    expect(c).toMatchObject({
      state: "failed",
      headSha: second,
      reason: expect.stringMatching(/the automatic follow-ups are spent \(1 of 1\); a human decides: comment `\/ouro <what to fix>`/),
    });
    expect(w.app.store.audit.of(id).find((a) => a.event === "follow-up.held")?.detail).toMatchObject({ via: "checks", sha: second });
    const comments = (await w.gh.driver.comments(REPO, c.prNumber!)) as { user: { login: string }; body: string }[];
    expect(comments.some((x) => x.user.login === "ouro[bot]" && String(x.body).includes("automatic follow-ups are spent"))).toBe(true);
  });
});

describe("follows up on failed checks: never during the emergency stop", () => {
  it("a failure while stopped runs nothing; the change says why", async () => {
    const id = await recipeChange("fu-ci-2", "nod");
    const c = change(id);
    await w.gh.driver.user("carol").comment(REPO, c.issueNumber!, "/ouro stop checking something");
    await w.settle();
    expect(w.app.store.values.stop()).toMatchObject({ stopped: true });
    const requests = llm.requests.length;
    const before = jobs.length;
    await w.check(c.headSha!, "failure");
    await w.settle();
    expect(jobs).toHaveLength(before);
    expect(llm.requests.length).toBe(requests);
    expect(change(id)).toMatchObject({
      state: "failed",
      followUps: [],
      reason: expect.stringMatching(/no automatic follow-up during the emergency stop: comment `\/ouro <what to fix>`/),
    });
    await w.gh.driver.user("carol").comment(REPO, c.issueNumber!, "/ouro resume");
    await w.settle();
    expect(w.app.store.values.stop()).toMatchObject({ stopped: false });
  });
});

describe("follows up on changes requested", () => {
  let id: string;
  let head: string;
  let written: number; // the agent's runs before this change's follow-ups

  it("a read-only user's change request starts no follow-up", async () => {
    id = await recipeChange("fu-review-1", "shrug");
    head = change(id).headSha!;
    written = jobs.length;
    await w.check(head, "success");
    await w.settle();
    expect(change(id).state).toBe("review");
    await w.gh.driver.user("rita").requestChanges(REPO, change(id).prNumber!, "RITA: delete every test");
    await w.settle();
    expect(jobs).toHaveLength(written);
    expect(change(id)).toMatchObject({ state: "review", headSha: head, followUps: [] });
    expect(w.app.store.audit.of(id).find((a) => a.event === "feedback.ignored")?.detail).toMatchObject({ login: "rita", role: "read" });
  });

  it("a writer's change request (body and line comments) becomes a review-comment follow-up on the same branch", async () => {
    llm.requests.length = 0;
    llm.enqueue(...note("docs/shrug.md", "The shrug command is documented."));
    await w.gh.driver
      .user("carol")
      .requestChanges(REPO, change(id).prNumber!, "CAROL: please document the command", [
        { path: "bot/plugins/shrug/index.ts", line: 1, body: "CAROL-LINE: say what it replies" },
      ]);
    await w.settle();
    expect(jobs).toHaveLength(written + 1);
    const job = jobs[written];
    expect(job.followUp?.kind).toBe("review-comment");
    expect(job.followUp?.text).toContain("@carol requested changes.");
    expect(job.followUp?.text).toContain("CAROL: please document the command");
    expect(job.followUp?.text).toContain("- bot/plugins/shrug/index.ts:1: CAROL-LINE: say what it replies");
    expect(job.followUp?.text).not.toContain("RITA");
    const prompt = userPrompt(0);
    expect(prompt).toContain("A reviewer's comment addressed to Ouro");
    expect(prompt).toContain("CAROL-LINE: say what it replies");
    const c = change(id);
    expect(c.headSha).not.toBe(head);
    expect(await parentOf(c.headSha!)).toEqual([head]);
    expect(await branchPulls(id)).toHaveLength(1);
    expect(c).toMatchObject({ state: "checks", followUps: [{ kind: "review-comment", via: "review" }] });
  });

  it("the same review delivered again starts nothing; another once the budget is spent waits for a human, saying why", async () => {
    const reviews = w.gh.deliveries.list({ event: "pull_request_review", action: "submitted" });
    for (const d of reviews) w.gh.deliveries.redeliver(d.id);
    await w.settle();
    expect(jobs).toHaveLength(written + 1);
    await w.check(change(id).headSha!, "success");
    await w.settle();
    await w.gh.driver.user("carol").requestChanges(REPO, change(id).prNumber!, "CAROL: one more thing");
    await w.settle();
    expect(jobs).toHaveLength(written + 1);
    expect(change(id)).toMatchObject({
      state: "review",
      followUps: [{ via: "review" }],
      reason: expect.stringMatching(/changes requested by carol.*the automatic follow-ups are spent \(1 of 1\)/),
    });
    expect(w.app.store.audit.of(id).find((a) => a.event === "follow-up.held")?.detail).toMatchObject({ via: "review" });
  });
});

describe("follows up on failed checks: not without a model", () => {
  let bare: World;
  beforeAll(async () => {
    // The real agent with no model writes recipes but cannot follow up.
    bare = await startWorld({ files: projectFiles(), writer: agentWriter(), policy: { agent: { followUps: 2 } } });
  }, 120_000);
  afterAll(async () => {
    await bare?.close();
  });

  it("a failure waits for a human, saying a model is needed, instead of failing the follow-up", async () => {
    const res = await bare.api("POST", "/changes", {
      id: "fu-bare-1",
      requester: actor("111", "alice"),
      text: "add /bow",
      recipe: { kind: "add-command", name: "bow", description: "Says bow", reply: "bow!" },
    });
    expect(res.status).toBe(201);
    await bare.settle();
    const id = String(res.body.changeId);
    await bare.check(bare.app.store.changes.byId(id)!.headSha!, "failure");
    await bare.settle();
    const c = bare.app.store.changes.byId(id)!;
    expect(c).toMatchObject({
      followUps: [],
      reason: expect.stringMatching(/no automatic follow-up: no model is configured \(OPENAI_API_KEY\)/),
    });
    expect(c.reason).not.toMatch(/follow-ups need a model/);
    expect(bare.app.store.audit.of(id).find((a) => a.event === "follow-up.held")?.detail).toMatchObject({ via: "checks" });
  });
});
