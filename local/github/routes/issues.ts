// Issues, issue comments and labels (pull requests are issues too, as on GitHub).
import type { Core } from "../domain.ts";
import { HttpError, invalid, notFound, oneOf, paginate, str, strArray } from "../router.ts";
import type { Ctx, Router } from "../router.ts";
import { now } from "../store.ts";
import type { CommentRec, IssueRec, LabelRec } from "../store.ts";
import { issueOf, needApp, repoForWrite, repoOf } from "./common.ts";
import type { RepoCtx } from "./common.ts";

const COLORS = ["d73a4a", "0075ca", "a2eeef", "7057ff", "008672", "e4e669", "d876e3", "cfd3d7"];

export function registerIssueRoutes(r: Router, core: Core): void {
  const { shapes, store } = core;
  const api = shapes.api;

  const labelsOf = (rp: RepoCtx): LabelRec[] => (store.data.labels[rp.key] ??= []);
  const ensureLabel = (rp: RepoCtx, name: string): LabelRec => {
    const all = labelsOf(rp);
    let l = all.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!l) {
      l = { id: store.id(), name, color: COLORS[all.length % COLORS.length], description: null };
      all.push(l);
    }
    return l;
  };
  /** Payload key for an issue event: PRs send pull_request events for label changes. */
  const emitIssue = async (rp: RepoCtx, i: IssueRec, ctx: Ctx, action: string, extra: Record<string, unknown> = {}) => {
    if (i.pull) core.emit("pull_request", rp.key, ctx.actor, { action, number: i.number, ...extra, pull_request: await core.pullShape(i) });
    else core.emit("issues", rp.key, ctx.actor, { action, ...extra, issue: shapes.issue(i) });
  };
  const labelsArg = (ctx: Ctx): string[] => {
    const raw = ctx.body.labels;
    if (Array.isArray(raw)) {
      return raw.map((x) => {
        if (typeof x === "string") return x;
        if (x && typeof x === "object" && typeof (x as Record<string, unknown>).name === "string") return (x as { name: string }).name;
        throw invalid("Invalid request.\n\nlabels must be strings or objects with a name.", "labels");
      });
    }
    throw invalid(`Invalid request.\n\n"labels" wasn't supplied.`, "labels", "missing_field");
  };

  // ----- issues -----
  r.add("POST", "/repos/{owner}/{repo}/issues", async (ctx) => {
    const rp = repoOf(core, ctx);
    needApp(ctx, "issues");
    const title = ctx.body.title;
    if (typeof title !== "string" && typeof title !== "number")
      throw invalid(`Invalid request.\n\n"title" wasn't supplied.`, "title", "missing_field", "Issue");
    if (!String(title).trim()) throw invalid("Validation Failed", "title", "missing_field", "Issue");
    const body = str(ctx.body, "body") ?? null;
    const labels = ctx.body.labels === undefined ? [] : labelsArg(ctx);
    const assignees = strArray(ctx.body, "assignees") ?? [];
    for (const a of assignees)
      if (!store.data.accounts[a.toLowerCase()]) throw invalid("Validation Failed", "assignees", "invalid", "Issue");
    const t = now();
    const i: IssueRec = {
      id: store.id(),
      repo: rp.key,
      number: rp.rec.nextNumber++,
      title: String(title),
      body,
      state: "open",
      stateReason: null,
      user: ctx.actor,
      labels: labels.map((l) => ensureLabel(rp, l).name),
      assignees,
      locked: false,
      createdAt: t,
      updatedAt: t,
      closedAt: null,
      closedBy: null,
    };
    store.data.issues[store.issueKey(rp.key, i.number)] = i;
    await emitIssue(rp, i, ctx, "opened");
    return { status: 201, body: shapes.issue(i) };
  });
  r.add("GET", "/repos/{owner}/{repo}/issues", (ctx) => {
    const rp = repoOf(core, ctx);
    const state = ctx.query.get("state") ?? "open";
    const labels = ctx.query.get("labels")?.split(",").filter(Boolean) ?? [];
    const creator = ctx.query.get("creator");
    const direction = ctx.query.get("direction") ?? "desc";
    const list = Object.values(store.data.issues)
      .filter((i) => i.repo === rp.key && (state === "all" || i.state === state))
      .filter((i) => labels.every((l) => i.labels.some((x) => x.toLowerCase() === l.toLowerCase())))
      .filter((i) => !creator || i.user.toLowerCase() === creator.toLowerCase())
      .sort((a, b) => (direction === "asc" ? a.number - b.number : b.number - a.number));
    return paginate(
      ctx,
      list.map((i) => shapes.issue(i)),
      api,
    );
  });
  r.add("GET", "/repos/{owner}/{repo}/issues/{issue_number}", (ctx) =>
    shapes.issue(issueOf(core, repoOf(core, ctx), ctx.params.issue_number)),
  );
  r.add("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", async (ctx) => {
    const rp = repoOf(core, ctx);
    needApp(ctx, "issues", "pull_requests");
    const i = issueOf(core, rp, ctx.params.issue_number);
    const title = str(ctx.body, "title");
    const body = str(ctx.body, "body");
    const state = oneOf(ctx.body, "state", ["open", "closed"] as const);
    const reason = oneOf(ctx.body, "state_reason", ["completed", "not_planned", "reopened"] as const);
    const labels = ctx.body.labels === undefined ? undefined : labelsArg(ctx);
    const assignees = strArray(ctx.body, "assignees");
    if (state === "open" && i.pull?.merged) throw invalid("Validation Failed", "state", "invalid", "Issue");
    const changes: Record<string, unknown> = {};
    if (title !== undefined && title !== i.title) {
      changes.title = { from: i.title };
      i.title = title;
    }
    if (body !== undefined && body !== i.body) {
      changes.body = { from: i.body ?? "" };
      i.body = body;
    }
    if (labels) i.labels = labels.map((l) => ensureLabel(rp, l).name);
    if (assignees) i.assignees = assignees;
    const t = now();
    i.updatedAt = t;
    store.touch();
    if (Object.keys(changes).length) await emitIssue(rp, i, ctx, "edited", { changes });
    if (state && state !== i.state) {
      i.state = state;
      i.stateReason = state === "closed" ? (reason ?? "completed") : "reopened";
      i.closedAt = state === "closed" ? t : null;
      i.closedBy = state === "closed" ? ctx.actor : null;
      if (i.pull && state === "closed") {
        const live = await core.pullLive({ ...i, state: "open" });
        i.pull.headSha = live.headSha;
        i.pull.baseSha = live.baseSha;
      }
      await emitIssue(rp, i, ctx, state === "closed" ? "closed" : "reopened");
    }
    return shapes.issue(i);
  });

  // ----- comments -----
  r.add("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", (ctx) => {
    const rp = repoOf(core, ctx);
    needApp(ctx, "issues", "pull_requests");
    const i = issueOf(core, rp, ctx.params.issue_number);
    const body = str(ctx.body, "body", true);
    if (!body.trim()) throw invalid("Validation Failed", "body", "missing_field", "IssueComment");
    if (i.locked) throw new HttpError(403, "Issue is locked");
    const t = now();
    const c: CommentRec = { id: store.id(), repo: rp.key, number: i.number, body, user: ctx.actor, createdAt: t, updatedAt: t };
    store.data.comments[String(c.id)] = c;
    i.updatedAt = t;
    core.emit("issue_comment", rp.key, ctx.actor, { action: "created", issue: shapes.issue(i), comment: shapes.comment(c) });
    return { status: 201, body: shapes.comment(c) };
  });
  r.add("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", (ctx) => {
    const rp = repoOf(core, ctx);
    const i = issueOf(core, rp, ctx.params.issue_number);
    const list = Object.values(store.data.comments)
      .filter((c) => c.repo === rp.key && c.number === i.number)
      .sort((a, b) => a.id - b.id);
    return paginate(
      ctx,
      list.map((c) => shapes.comment(c)),
      api,
    );
  });
  r.add("GET", "/repos/{owner}/{repo}/issues/comments", (ctx) => {
    const rp = repoOf(core, ctx);
    const list = Object.values(store.data.comments)
      .filter((c) => c.repo === rp.key)
      .sort((a, b) => a.id - b.id);
    return paginate(
      ctx,
      list.map((c) => shapes.comment(c)),
      api,
    );
  });
  const commentOf = (ctx: Ctx): { rp: RepoCtx; c: CommentRec } => {
    const rp = repoOf(core, ctx);
    if (ctx.method !== "GET") needApp(ctx, "issues", "pull_requests");
    const c = store.data.comments[ctx.params.comment_id];
    if (!c || c.repo !== rp.key) throw notFound();
    return { rp, c };
  };
  r.add("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", (ctx) => shapes.comment(commentOf(ctx).c));
  r.add("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", (ctx) => {
    const { rp, c } = commentOf(ctx);
    const body = str(ctx.body, "body", true);
    const from = c.body;
    c.body = body;
    c.updatedAt = now();
    store.touch();
    const i = core.issue(rp.key, c.number)!;
    core.emit("issue_comment", rp.key, ctx.actor, {
      action: "edited",
      changes: { body: { from } },
      issue: shapes.issue(i),
      comment: shapes.comment(c),
    });
    return shapes.comment(c);
  });
  r.add("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", (ctx) => {
    const { rp, c } = commentOf(ctx);
    const shape = shapes.comment(c);
    delete store.data.comments[String(c.id)];
    store.touch();
    const i = core.issue(rp.key, c.number)!;
    core.emit("issue_comment", rp.key, ctx.actor, { action: "deleted", issue: shapes.issue(i), comment: shape });
    return { status: 204 };
  });

  // ----- labels -----
  r.add("GET", "/repos/{owner}/{repo}/labels", (ctx) => {
    const rp = repoOf(core, ctx);
    return paginate(
      ctx,
      labelsOf(rp).map((l) => shapes.label(rp.key, l)),
      api,
    );
  });
  r.add("POST", "/repos/{owner}/{repo}/labels", (ctx) => {
    const rp = repoForWrite(core, ctx, "issues");
    const name = str(ctx.body, "name", true);
    const color = (str(ctx.body, "color") ?? "ededed").replace(/^#/, "");
    if (!/^[0-9a-fA-F]{6}$/.test(color)) throw invalid("Validation Failed", "color", "invalid", "Label");
    if (labelsOf(rp).some((l) => l.name.toLowerCase() === name.toLowerCase()))
      throw invalid("Validation Failed", "name", "already_exists", "Label");
    const l: LabelRec = { id: store.id(), name, color, description: str(ctx.body, "description") ?? null };
    labelsOf(rp).push(l);
    return { status: 201, body: shapes.label(rp.key, l) };
  });
  r.add("GET", "/repos/{owner}/{repo}/labels/{name}", (ctx) => {
    const rp = repoOf(core, ctx);
    const l = labelsOf(rp).find((x) => x.name.toLowerCase() === ctx.params.name.toLowerCase());
    if (!l) throw notFound();
    return shapes.label(rp.key, l);
  });
  r.add("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", (ctx) => {
    const rp = repoOf(core, ctx);
    return paginate(ctx, shapes.labelsOf(issueOf(core, rp, ctx.params.issue_number)), api);
  });
  const addLabels = (replace: boolean) => async (ctx: Ctx) => {
    const rp = repoForWrite(core, ctx, "issues", "triage");
    const i = issueOf(core, rp, ctx.params.issue_number);
    const names = labelsArg(ctx);
    const before = new Set(i.labels.map((l) => l.toLowerCase()));
    const next = replace ? [] : [...i.labels];
    for (const n of names) {
      const l = ensureLabel(rp, n);
      if (!next.some((x) => x.toLowerCase() === l.name.toLowerCase())) next.push(l.name);
    }
    const removed = i.labels.filter((l) => !next.includes(l));
    i.labels = next;
    i.updatedAt = now();
    store.touch();
    for (const l of next.filter((n) => !before.has(n.toLowerCase())))
      await emitIssue(rp, i, ctx, "labeled", { label: shapes.label(rp.key, ensureLabel(rp, l)) });
    for (const l of removed) await emitIssue(rp, i, ctx, "unlabeled", { label: shapes.label(rp.key, ensureLabel(rp, l)) });
    return shapes.labelsOf(i);
  };
  r.add("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", addLabels(false));
  r.add("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels", addLabels(true));
  r.add("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", async (ctx) => {
    const rp = repoForWrite(core, ctx, "issues", "triage");
    const i = issueOf(core, rp, ctx.params.issue_number);
    const name = i.labels.find((l) => l.toLowerCase() === ctx.params.name.toLowerCase());
    if (!name) throw new HttpError(404, "Label does not exist");
    i.labels = i.labels.filter((l) => l !== name);
    i.updatedAt = now();
    store.touch();
    await emitIssue(rp, i, ctx, "unlabeled", { label: shapes.label(rp.key, ensureLabel(rp, name)) });
    return shapes.labelsOf(i);
  });
}
