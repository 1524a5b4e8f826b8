// Check runs and suites, commit statuses, deployments and deployment statuses.
import type { Core } from "../domain.ts";
import { HttpError, bool, invalid, notFound, oneOf, paginate, str, strArray } from "../router.ts";
import type { Ctx, Router } from "../router.ts";
import { now } from "../store.ts";
import type { CheckRunRec, CheckSuiteRec, DeploymentRec, DeploymentStatusRec, StatusRec } from "../store.ts";
import { SHA_RE, commitOf, needApp, repoForWrite, repoOf } from "./common.ts";
import type { RepoCtx } from "./common.ts";

const RUN_STATUS = ["queued", "in_progress", "completed", "waiting", "requested", "pending"] as const;
const CONCLUSIONS = ["action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"] as const;
const DEPLOY_STATES = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"] as const;

export function registerCheckRoutes(r: Router, core: Core): void {
  const { shapes, store } = core;
  const api = shapes.api;

  const appIdOf = (ctx: Ctx): number => {
    if (ctx.auth.kind !== "installation") throw new HttpError(403, "You must authenticate via a GitHub App.");
    needApp(ctx, "checks");
    return ctx.auth.app.id;
  };

  const suiteFor = async (rp: RepoCtx, appId: number | null, headSha: string): Promise<CheckSuiteRec> => {
    let s = Object.values(store.data.checkSuites).find((x) => x.repo === rp.key && x.appId === appId && x.headSha === headSha);
    if (!s) {
      const refs = await rp.git.refs("refs/heads/");
      const branch = [...refs].find(([, v]) => v.sha === headSha)?.[0].slice(11) ?? null;
      s = await core.createSuite(rp.key, appId, headSha, branch);
    }
    return s;
  };

  const outputOf = (ctx: Ctx, prev?: CheckRunRec["output"]): { output: CheckRunRec["output"]; annotations: unknown[] } => {
    const o = ctx.body.output;
    if (o === undefined || o === null)
      return { output: prev ?? { title: null, summary: null, text: null, annotations_count: 0 }, annotations: [] };
    if (typeof o !== "object") throw invalid("Invalid request.\n\noutput is not an object", "output");
    const out = o as Record<string, unknown>;
    const title = str(out, "title", true);
    const summary = str(out, "summary", true);
    const text = str(out, "text") ?? null;
    const annotations = Array.isArray(out.annotations) ? out.annotations : [];
    if (annotations.length > 50) throw invalid("Invalid request.\n\nOnly 50 annotations are allowed per request.", "annotations");
    return { output: { title, summary, text, annotations_count: (prev?.annotations_count ?? 0) + annotations.length }, annotations };
  };

  // Action buttons, with GitHub's limits: at most 3; label ≤ 20, description ≤ 40, identifier ≤ 20 characters.
  const actionsOf = (ctx: Ctx): CheckRunRec["actions"] => {
    const a = ctx.body.actions;
    if (a === undefined || a === null) return undefined;
    if (!Array.isArray(a) || a.length > 3) throw invalid("Invalid request.\n\nactions must be an array of at most 3 items.", "actions");
    return a.map((x: unknown) => {
      const o = (x && typeof x === "object" ? x : {}) as Record<string, unknown>;
      const [label, description, identifier] = [str(o, "label", true), str(o, "description", true), str(o, "identifier", true)];
      if (!label || label.length > 20 || !description || description.length > 40 || !identifier || identifier.length > 20)
        throw invalid("Invalid request.\n\nInvalid action: label ≤ 20, description ≤ 40, identifier ≤ 20 characters.", "actions");
      return { label, description, identifier };
    });
  };

  const completeSuiteIfDone = async (rp: RepoCtx, run: CheckRunRec, ctx: Ctx) => {
    const suite = store.data.checkSuites[String(run.suiteId)];
    const runs = Object.values(store.data.checkRuns).filter((c) => c.suiteId === suite.id);
    if (runs.every((c) => c.status === "completed") && run.appId) await core.emitSuite(rp.key, suite.id, ctx.actor, "completed", run.appId);
  };

  r.add("POST", "/repos/{owner}/{repo}/check-runs", async (ctx) => {
    const rp = repoOf(core, ctx);
    const appId = appIdOf(ctx);
    const name = str(ctx.body, "name", true);
    const headSha = str(ctx.body, "head_sha", true);
    if (!SHA_RE.test(headSha) || !(await rp.git.readCommit(headSha))) throw invalid("No commit found for SHA: " + headSha, "head_sha");
    let status = oneOf(ctx.body, "status", RUN_STATUS) ?? "queued";
    const conclusion = oneOf(ctx.body, "conclusion", CONCLUSIONS) ?? null;
    if (conclusion) status = "completed";
    if (status === "completed" && !conclusion)
      throw invalid('Invalid request.\n\n"conclusion" wasn\'t supplied.', "conclusion", "missing_field");
    const { output, annotations } = outputOf(ctx);
    const actions = actionsOf(ctx);
    const suite = await suiteFor(rp, appId, headSha);
    const t = now();
    const run: CheckRunRec = {
      id: store.id(),
      repo: rp.key,
      suiteId: suite.id,
      appId,
      name,
      headSha,
      status,
      conclusion,
      startedAt: str(ctx.body, "started_at") ?? t,
      completedAt: status === "completed" ? (str(ctx.body, "completed_at") ?? t) : null,
      externalId: str(ctx.body, "external_id") ?? "",
      detailsUrl: str(ctx.body, "details_url") ?? null,
      output,
      annotations,
      ...(actions ? { actions } : {}),
    };
    store.data.checkRuns[String(run.id)] = run;
    suite.updatedAt = t;
    core.emitCheck(
      "check_run",
      rp.key,
      ctx.actor,
      { action: "created", check_run: { ...shapes.checkRun(run), check_suite: shapes.checkSuite(suite, false) } },
      appId,
    );
    if (status === "completed") {
      core.emitCheck(
        "check_run",
        rp.key,
        ctx.actor,
        { action: "completed", check_run: { ...shapes.checkRun(run), check_suite: shapes.checkSuite(suite, false) } },
        appId,
      );
      await completeSuiteIfDone(rp, run, ctx);
    }
    return { status: 201, body: shapes.checkRun(run) };
  });
  const runOf = (ctx: Ctx): { rp: RepoCtx; run: CheckRunRec } => {
    const rp = repoOf(core, ctx);
    const run = store.data.checkRuns[ctx.params.check_run_id];
    if (!run || run.repo !== rp.key) throw notFound();
    return { rp, run };
  };
  r.add("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", (ctx) => shapes.checkRun(runOf(ctx).run));
  r.add("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", async (ctx) => {
    const { rp, run } = runOf(ctx);
    const appId = appIdOf(ctx);
    if (run.appId !== appId)
      throw new HttpError(403, "Invalid app_id `" + appId + "` - check run can only be modified by the GitHub App that created it.");
    const wasCompleted = run.status === "completed";
    const name = str(ctx.body, "name");
    const status = oneOf(ctx.body, "status", RUN_STATUS);
    const conclusion = oneOf(ctx.body, "conclusion", CONCLUSIONS);
    const { output, annotations } = outputOf(ctx, run.output);
    const actions = actionsOf(ctx);
    if (status === "completed" && !conclusion && !run.conclusion)
      throw invalid('Invalid request.\n\n"conclusion" wasn\'t supplied.', "conclusion", "missing_field");
    if (name) run.name = name;
    if (status) run.status = status;
    if (conclusion) {
      run.conclusion = conclusion;
      run.status = "completed";
    }
    if (run.status === "completed" && !run.completedAt) run.completedAt = str(ctx.body, "completed_at") ?? now();
    run.output = output;
    run.annotations.push(...annotations);
    if (actions) run.actions = actions;
    const details = str(ctx.body, "details_url");
    if (details !== undefined) run.detailsUrl = details;
    const ext = str(ctx.body, "external_id");
    if (ext !== undefined) run.externalId = ext;
    store.touch();
    if (!wasCompleted && run.status === "completed") {
      const suite = store.data.checkSuites[String(run.suiteId)];
      core.emitCheck(
        "check_run",
        rp.key,
        ctx.actor,
        { action: "completed", check_run: { ...shapes.checkRun(run), check_suite: shapes.checkSuite(suite, false) } },
        appId,
      );
      await completeSuiteIfDone(rp, run, ctx);
    }
    return shapes.checkRun(run);
  });
  // Re-run: GitHub asks only the App that created the run (`check_run.rerequested`).
  r.add("POST", "/repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest", (ctx) => {
    const { rp, run } = runOf(ctx);
    appIdOf(ctx);
    if (run.appId !== null) {
      const suite = store.data.checkSuites[String(run.suiteId)];
      core.emitCheck(
        "check_run",
        rp.key,
        ctx.actor,
        { action: "rerequested", check_run: { ...shapes.checkRun(run), check_suite: shapes.checkSuite(suite, false) } },
        run.appId,
      );
    }
    return { status: 201, body: {} };
  });
  r.add("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", (ctx) => paginate(ctx, runOf(ctx).run.annotations, api));
  r.add("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", async (ctx) => {
    const rp = repoOf(core, ctx);
    const sha = await commitOf(rp.git, ctx.params.ref, 422);
    const name = ctx.query.get("check_name");
    const status = ctx.query.get("status");
    const appId = ctx.query.get("app_id");
    const filter = ctx.query.get("filter") ?? "latest";
    if (filter !== "latest" && filter !== "all") throw invalid(`filter must be "latest" or "all", got ${JSON.stringify(filter)}`, "filter");
    const all = Object.values(store.data.checkRuns)
      .filter(
        (c) =>
          c.repo === rp.key &&
          c.headSha === sha &&
          (!name || c.name === name) &&
          (!status || c.status === status) &&
          (!appId || String(c.appId) === appId),
      )
      .sort((a, b) => b.id - a.id);
    // `filter=latest` (GitHub's default): only the newest run of each name from each App, so a run
    // superseded by a re-run (e.g. cancelled by a workflow's concurrency group) no longer counts.
    const seen = new Set<string>();
    const runs = filter === "all" ? all : all.filter((c) => !seen.has(`${c.appId}:${c.name}`) && seen.add(`${c.appId}:${c.name}`));
    const page = paginate(
      ctx,
      runs.map((c) => shapes.checkRun(c)),
      api,
    );
    return { ...page, body: { total_count: runs.length, check_runs: page.body } };
  });
  r.add("GET", "/repos/{owner}/{repo}/commits/{ref}/check-suites", async (ctx) => {
    const rp = repoOf(core, ctx);
    const sha = await commitOf(rp.git, ctx.params.ref, 422);
    const suites = Object.values(store.data.checkSuites).filter((s) => s.repo === rp.key && s.headSha === sha);
    const page = paginate(
      ctx,
      suites.map((s) => shapes.checkSuite(s)),
      api,
    );
    return { ...page, body: { total_count: suites.length, check_suites: page.body } };
  });
  r.add("GET", "/repos/{owner}/{repo}/check-suites/{check_suite_id}", (ctx) => {
    const rp = repoOf(core, ctx);
    const s = store.data.checkSuites[ctx.params.check_suite_id];
    if (!s || s.repo !== rp.key) throw notFound();
    return shapes.checkSuite(s);
  });
  r.add("POST", "/repos/{owner}/{repo}/check-suites", async (ctx) => {
    const rp = repoOf(core, ctx);
    const appId = appIdOf(ctx);
    const headSha = str(ctx.body, "head_sha", true);
    if (!SHA_RE.test(headSha) || !(await rp.git.readCommit(headSha))) throw invalid("No commit found for SHA: " + headSha, "head_sha");
    const existed = Object.values(store.data.checkSuites).some((x) => x.repo === rp.key && x.appId === appId && x.headSha === headSha);
    const s = await suiteFor(rp, appId, headSha);
    return { status: existed ? 200 : 201, body: shapes.checkSuite(s) };
  });

  // ----- commit statuses -----
  r.add("POST", "/repos/{owner}/{repo}/statuses/{sha}", async (ctx) => {
    const rp = repoForWrite(core, ctx, "statuses");
    const sha = ctx.params.sha;
    const state = oneOf(ctx.body, "state", ["error", "failure", "pending", "success"] as const);
    if (!state) throw invalid(`Invalid request.\n\n"state" wasn't supplied.`, "state", "missing_field", "Status");
    if (!SHA_RE.test(sha) || !(await rp.git.readCommit(sha))) throw invalid(`No commit found for SHA: ${sha}`, "sha", "invalid", "Status");
    const t = now();
    const s: StatusRec = {
      id: store.id(),
      repo: rp.key,
      sha,
      state,
      targetUrl: str(ctx.body, "target_url") ?? null,
      description: str(ctx.body, "description") ?? null,
      context: str(ctx.body, "context") ?? "default",
      creator: ctx.actor,
      createdAt: t,
      updatedAt: t,
    };
    store.data.statuses[String(s.id)] = s;
    if (core.receives(rp.key, "status")) {
      const base = `${api}/repos/${rp.rec.owner}/${rp.rec.name}`;
      const refs = await rp.git.refs("refs/heads/");
      const branches = [];
      for (const [ref] of refs) {
        if (branches.length >= 10) break;
        if (await rp.git.isAncestor(sha, ref))
          branches.push({
            name: ref.slice(11),
            commit: { sha: refs.get(ref)!.sha, url: `${base}/commits/${refs.get(ref)!.sha}` },
            protected: false,
          });
      }
      core.emit("status", rp.key, ctx.actor, {
        id: s.id,
        sha,
        name: `${rp.rec.owner}/${rp.rec.name}`,
        target_url: s.targetUrl,
        avatar_url: null,
        context: s.context,
        description: s.description,
        state: s.state,
        commit: shapes.commit(rp.key, (await rp.git.readCommit(sha))!),
        branches,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
      });
    }
    return { status: 201, body: shapes.status(s) };
  });
  const statusesFor = (rp: RepoCtx, sha: string): StatusRec[] =>
    Object.values(store.data.statuses)
      .filter((s) => s.repo === rp.key && s.sha === sha)
      .sort((a, b) => b.id - a.id);
  r.add("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses", async (ctx) => {
    const rp = repoOf(core, ctx);
    const sha = await commitOf(rp.git, ctx.params.ref);
    return paginate(
      ctx,
      statusesFor(rp, sha).map((s) => shapes.status(s)),
      api,
    );
  });
  r.add("GET", "/repos/{owner}/{repo}/commits/{ref}/status", async (ctx) => {
    const rp = repoOf(core, ctx);
    const sha = await commitOf(rp.git, ctx.params.ref);
    const latest = new Map<string, StatusRec>();
    for (const s of statusesFor(rp, sha)) if (!latest.has(s.context)) latest.set(s.context, s);
    const list = [...latest.values()];
    const state =
      list.length === 0
        ? "pending"
        : list.some((s) => s.state === "failure" || s.state === "error")
          ? "failure"
          : list.some((s) => s.state === "pending")
            ? "pending"
            : "success";
    const base = `${api}/repos/${rp.rec.owner}/${rp.rec.name}`;
    return {
      state,
      statuses: list.map((s) => {
        const { creator: _c, ...rest } = shapes.status(s);
        return { ...rest, required: false };
      }),
      sha,
      total_count: list.length,
      repository: shapes.repo(rp.rec, { permissions: false }),
      commit_url: `${base}/commits/${sha}`,
      url: `${base}/commits/${sha}/status`,
    };
  });

  // ----- deployments -----
  r.add("POST", "/repos/{owner}/{repo}/deployments", async (ctx) => {
    const rp = repoForWrite(core, ctx, "deployments");
    const ref = str(ctx.body, "ref", true);
    const sha = await commitOf(rp.git, ref, 422).catch(() => {
      throw new HttpError(422, `No ref found for: ${ref}`, { errors: [{ resource: "Deployment", field: "ref", code: "invalid" }] });
    });
    const required = strArray(ctx.body, "required_contexts");
    const latest = new Map<string, StatusRec>();
    for (const s of Object.values(store.data.statuses)
      .filter((x) => x.repo === rp.key && x.sha === sha)
      .sort((a, b) => b.id - a.id))
      if (!latest.has(s.context)) latest.set(s.context, s);
    const mustPass = required ?? [...latest.keys()];
    const failing = mustPass.filter((c) => latest.get(c)?.state !== "success");
    if (failing.length)
      throw new HttpError(409, `Conflict: Commit status checks failed for ${ref}.`, {
        errors: failing.map((c) => ({
          contexts: [{ context: c, state: latest.get(c)?.state ?? "missing" }],
          resource: "Deployment",
          field: "required_contexts",
          code: "invalid",
        })),
      });
    const payload = ctx.body.payload;
    let parsed: unknown = {};
    if (typeof payload === "string") {
      try {
        parsed = JSON.parse(payload);
      } catch {
        parsed = payload;
      }
    } else if (payload && typeof payload === "object") parsed = payload;
    const environment = str(ctx.body, "environment") ?? "production";
    const t = now();
    const d: DeploymentRec = {
      id: store.id(),
      repo: rp.key,
      sha,
      ref,
      task: str(ctx.body, "task") ?? "deploy",
      payload: parsed,
      environment,
      description: str(ctx.body, "description") ?? null,
      creator: ctx.actor,
      transient: bool(ctx.body, "transient_environment") ?? false,
      production: bool(ctx.body, "production_environment") ?? environment === "production",
      createdAt: t,
      updatedAt: t,
    };
    store.data.deployments[String(d.id)] = d;
    core.emit("deployment", rp.key, ctx.actor, { action: "created", deployment: shapes.deployment(d), workflow: null, workflow_run: null });
    return { status: 201, body: shapes.deployment(d) };
  });
  r.add("GET", "/repos/{owner}/{repo}/deployments", (ctx) => {
    const rp = repoOf(core, ctx);
    const q = (k: string) => ctx.query.get(k);
    const list = Object.values(store.data.deployments)
      .filter(
        (d) =>
          d.repo === rp.key &&
          (!q("sha") || d.sha === q("sha")) &&
          (!q("ref") || d.ref === q("ref")) &&
          (!q("task") || d.task === q("task")) &&
          (!q("environment") || d.environment === q("environment")),
      )
      .sort((a, b) => b.id - a.id);
    return paginate(
      ctx,
      list.map((d) => shapes.deployment(d)),
      api,
    );
  });
  const deploymentOf = (ctx: Ctx, write = false): { rp: RepoCtx; d: DeploymentRec } => {
    const rp = write ? repoForWrite(core, ctx, "deployments") : repoOf(core, ctx);
    const d = store.data.deployments[ctx.params.deployment_id];
    if (!d || d.repo !== rp.key) throw notFound();
    return { rp, d };
  };
  r.add("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}", (ctx) => shapes.deployment(deploymentOf(ctx).d));
  r.add("POST", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", (ctx) => {
    const { rp, d } = deploymentOf(ctx, true);
    const state = oneOf(ctx.body, "state", DEPLOY_STATES);
    if (!state) throw invalid(`Invalid request.\n\n"state" wasn't supplied.`, "state", "missing_field", "DeploymentStatus");
    const t = now();
    const s: DeploymentStatusRec = {
      id: store.id(),
      repo: rp.key,
      deploymentId: d.id,
      state,
      description: str(ctx.body, "description") ?? "",
      environmentUrl: str(ctx.body, "environment_url") ?? "",
      logUrl: str(ctx.body, "log_url") ?? str(ctx.body, "target_url") ?? "",
      environment: str(ctx.body, "environment") ?? d.environment,
      creator: ctx.actor,
      createdAt: t,
    };
    store.data.deploymentStatuses[String(s.id)] = s;
    d.updatedAt = t;
    core.emit("deployment_status", rp.key, ctx.actor, {
      action: "created",
      deployment_status: shapes.deploymentStatus(s),
      deployment: shapes.deployment(d),
      workflow: null,
      workflow_run: null,
    });
    return { status: 201, body: shapes.deploymentStatus(s) };
  });
  r.add("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", (ctx) => {
    const { d } = deploymentOf(ctx);
    const list = Object.values(store.data.deploymentStatuses)
      .filter((s) => s.deploymentId === d.id)
      .sort((a, b) => b.id - a.id);
    return paginate(
      ctx,
      list.map((s) => shapes.deploymentStatus(s)),
      api,
    );
  });
}
