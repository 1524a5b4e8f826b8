// Pull requests, merges (real merge commits) and reviews.
import type { Core } from "../domain.ts";
import { HttpError, bool, invalid, notFound, oneOf, paginate, str, strArray } from "../router.ts";
import type { Ctx, Router } from "../router.ts";
import { now } from "../store.ts";
import type { IssueRec, ReviewCommentRec, ReviewRec } from "../store.ts";
import { SHA_RE, needApp, pullOf, repoForWrite, repoOf } from "./common.ts";
import { diffEntry } from "./repos.ts";

export function registerPullRoutes(r: Router, core: Core): void {
  const { shapes, store } = core;
  const api = shapes.api;

  r.add("POST", "/repos/{owner}/{repo}/pulls", async (ctx) => {
    const rp = repoOf(core, ctx);
    needApp(ctx, "pull_requests");
    const title = str(ctx.body, "title", true);
    let head = str(ctx.body, "head", true);
    const base = str(ctx.body, "base", true);
    const body = str(ctx.body, "body") ?? null;
    const draft = bool(ctx.body, "draft") ?? false;
    const mcm = bool(ctx.body, "maintainer_can_modify") ?? true;
    if (head.includes(":")) {
      const [owner, branch] = head.split(":", 2);
      if (owner.toLowerCase() !== rp.rec.owner.toLowerCase()) throw invalid("Validation Failed", "head", "invalid", "PullRequest");
      head = branch;
    }
    if (!title.trim()) throw invalid("Validation Failed", "title", "missing_field", "PullRequest");
    const headSha = await rp.git.refSha(`refs/heads/${head}`);
    const baseSha = await rp.git.refSha(`refs/heads/${base}`);
    if (!headSha) throw invalid("Validation Failed", "head", "invalid", "PullRequest");
    if (!baseSha) throw invalid("Validation Failed", "base", "invalid", "PullRequest");
    if (await rp.git.isAncestor(headSha, baseSha))
      throw new HttpError(422, "Validation Failed", {
        errors: [{ resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${head}` }],
      });
    const dup = Object.values(store.data.issues).find(
      (i) => i.repo === rp.key && i.pull && i.state === "open" && i.pull.headRef === head && i.pull.baseRef === base,
    );
    if (dup)
      throw new HttpError(422, "Validation Failed", {
        errors: [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${rp.rec.owner}:${head}.` }],
      });
    const t = now();
    const issue: IssueRec = {
      id: store.id(),
      repo: rp.key,
      number: rp.rec.nextNumber++,
      title,
      body,
      state: "open",
      stateReason: null,
      user: ctx.actor,
      labels: [],
      assignees: [],
      locked: false,
      createdAt: t,
      updatedAt: t,
      closedAt: null,
      closedBy: null,
      pull: {
        headRef: head,
        headSha,
        baseRef: base,
        baseSha,
        draft,
        merged: false,
        mergedAt: null,
        mergedBy: null,
        mergeCommitSha: null,
        maintainerCanModify: mcm,
      },
    };
    store.data.issues[store.issueKey(rp.key, issue.number)] = issue;
    const shape = await core.pullShape(issue);
    core.emit("pull_request", rp.key, ctx.actor, { action: "opened", number: issue.number, pull_request: shape });
    return { status: 201, body: shape };
  });

  r.add("GET", "/repos/{owner}/{repo}/pulls", (ctx) => {
    const rp = repoOf(core, ctx);
    const state = ctx.query.get("state") ?? "open";
    if (!["open", "closed", "all"].includes(state)) throw invalid(`Invalid value for state: ${state}`, "state");
    const head = ctx.query.get("head");
    const base = ctx.query.get("base");
    const direction = ctx.query.get("direction") ?? "desc";
    let list = Object.values(store.data.issues).filter((i) => i.repo === rp.key && i.pull && (state === "all" || i.state === state));
    if (head) {
      const [owner, branch] = head.includes(":") ? head.split(":", 2) : [rp.rec.owner, head];
      list = list.filter((i) => owner.toLowerCase() === rp.rec.owner.toLowerCase() && (!branch || i.pull!.headRef === branch));
    }
    if (base) list = list.filter((i) => i.pull!.baseRef === base);
    list.sort((a, b) => (direction === "asc" ? a.number - b.number : b.number - a.number));
    return paginate(
      ctx,
      list.map((i) => shapes.pull(i, null)),
      api,
    );
  });

  r.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", async (ctx) =>
    core.pullShape(pullOf(core, repoOf(core, ctx), ctx.params.pull_number)),
  );

  r.add("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", async (ctx) => {
    const rp = repoOf(core, ctx);
    needApp(ctx, "pull_requests");
    const i = pullOf(core, rp, ctx.params.pull_number);
    const p = i.pull!;
    const title = str(ctx.body, "title");
    const body = str(ctx.body, "body");
    const state = oneOf(ctx.body, "state", ["open", "closed"] as const);
    const base = str(ctx.body, "base");
    if (title !== undefined && !title.trim()) throw invalid("Validation Failed", "title", "missing_field", "PullRequest");
    if (base !== undefined && !(await rp.git.refSha(`refs/heads/${base}`)))
      throw invalid("Validation Failed", "base", "invalid", "PullRequest");
    if (state === "open" && p.merged)
      throw new HttpError(422, "Validation Failed", {
        errors: [{ resource: "PullRequest", code: "custom", message: "state cannot be changed. The pull request has been merged." }],
      });
    const changes: Record<string, unknown> = {};
    if (title !== undefined && title !== i.title) {
      changes.title = { from: i.title };
      i.title = title;
    }
    if (body !== undefined && body !== i.body) {
      changes.body = { from: i.body ?? "" };
      i.body = body;
    }
    if (base !== undefined && base !== p.baseRef) {
      changes.base = { ref: { from: p.baseRef }, sha: { from: p.baseSha } };
      p.baseRef = base;
    }
    const t = now();
    i.updatedAt = t;
    store.touch();
    let action: string | null = Object.keys(changes).length ? "edited" : null;
    if (state && state !== i.state) {
      if (state === "closed") {
        const live = await core.pullLive(i);
        p.headSha = live.headSha;
        p.baseSha = live.baseSha;
        i.state = "closed";
        i.closedAt = t;
        i.closedBy = ctx.actor;
      } else {
        i.state = "open";
        i.closedAt = null;
        i.closedBy = null;
      }
      if (action)
        core.emit("pull_request", rp.key, ctx.actor, { action, number: i.number, changes, pull_request: await core.pullShape(i) });
      action = state === "closed" ? "closed" : "reopened";
    }
    const shape = await core.pullShape(i);
    if (action)
      core.emit("pull_request", rp.key, ctx.actor, {
        action,
        number: i.number,
        ...(action === "edited" ? { changes } : {}),
        pull_request: shape,
      });
    return shape;
  });

  r.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", (ctx) => {
    const i = pullOf(core, repoOf(core, ctx), ctx.params.pull_number);
    if (!i.pull!.merged) throw notFound();
    return { status: 204 };
  });

  r.add("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", async (ctx) => {
    const rp = repoForWrite(core, ctx, "contents");
    const i = pullOf(core, rp, ctx.params.pull_number);
    const method = oneOf(ctx.body, "merge_method", ["merge", "squash", "rebase"] as const) ?? "merge";
    const expected = str(ctx.body, "sha");
    const title = str(ctx.body, "commit_title");
    const message = str(ctx.body, "commit_message");
    return core.withRepoLock(rp.key, () => mergePull(core, ctx, rp, i, { method, expected, title, message }));
  });

  r.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", async (ctx) => {
    const rp = repoOf(core, ctx);
    const i = pullOf(core, rp, ctx.params.pull_number);
    const live = await core.pullLive(i);
    const mb = (await rp.git.mergeBase(live.baseSha, live.headSha)) ?? live.baseSha;
    const files = await rp.git.diffFiles(mb, live.headSha);
    return paginate(
      ctx,
      files.map((f) => diffEntry(core, rp, live.headSha, f)),
      api,
    );
  });
  r.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", async (ctx) => {
    const rp = repoOf(core, ctx);
    const i = pullOf(core, rp, ctx.params.pull_number);
    const live = await core.pullLive(i);
    const mb = (await rp.git.mergeBase(live.baseSha, live.headSha)) ?? live.baseSha;
    const shas = (await rp.git.revList(live.headSha, { exclude: mb })).reverse();
    const page = paginate(ctx, shas, api);
    const body = [];
    for (const sha of page.body) body.push(shapes.commit(rp.key, (await rp.git.readCommit(sha))!));
    return { ...page, body };
  });

  // ----- review requests -----
  r.add("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", async (ctx) => {
    const rp = repoForWrite(core, ctx, "pull_requests", "triage");
    const i = pullOf(core, rp, ctx.params.pull_number);
    const reviewers = strArray(ctx.body, "reviewers") ?? [];
    for (const login of reviewers) {
      if (!store.data.accounts[login.toLowerCase()])
        throw invalid(
          "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the repository.",
          "reviewers",
          "invalid",
          "PullRequest",
        );
      if (login.toLowerCase() === i.user.toLowerCase())
        throw invalid("Review cannot be requested from pull request author.", "reviewers", "invalid", "PullRequest");
    }
    const list = (i.pull!.requestedReviewers ??= []);
    for (const login of reviewers) {
      if (list.some((x) => x.toLowerCase() === login.toLowerCase())) continue;
      list.push(store.data.accounts[login.toLowerCase()].login);
      store.touch();
      if (core.receives(rp.key, "pull_request"))
        core.emit("pull_request", rp.key, ctx.actor, {
          action: "review_requested",
          number: i.number,
          requested_reviewer: shapes.user(login),
          pull_request: await core.pullShape(i),
        });
    }
    return { status: 201, body: shapes.pull(i, null) };
  });
  r.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", (ctx) => {
    const i = pullOf(core, repoOf(core, ctx), ctx.params.pull_number);
    return { users: (i.pull!.requestedReviewers ?? []).map((l) => shapes.user(l)), teams: [] };
  });
  r.add("DELETE", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", (ctx) => {
    const i = pullOf(core, repoOf(core, ctx), ctx.params.pull_number);
    const drop = new Set((strArray(ctx.body, "reviewers") ?? []).map((x) => x.toLowerCase()));
    i.pull!.requestedReviewers = (i.pull!.requestedReviewers ?? []).filter((x) => !drop.has(x.toLowerCase()));
    store.touch();
    return shapes.pull(i, null);
  });

  // ----- reviews -----
  r.add("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", async (ctx) => {
    const rp = repoOf(core, ctx);
    needApp(ctx, "pull_requests");
    const i = pullOf(core, rp, ctx.params.pull_number);
    const event = oneOf(ctx.body, "event", ["APPROVE", "REQUEST_CHANGES", "COMMENT"] as const);
    const body = str(ctx.body, "body") ?? "";
    const commitId = str(ctx.body, "commit_id");
    if (i.state === "closed" && event)
      throw new HttpError(422, "Unprocessable Entity", { errors: ["Can not review a closed pull request"] });
    const own = i.user.toLowerCase() === ctx.actor.toLowerCase();
    if (own && event === "APPROVE")
      throw new HttpError(422, "Unprocessable Entity", { errors: ["Review Can not approve your own pull request"] });
    if (own && event === "REQUEST_CHANGES")
      throw new HttpError(422, "Unprocessable Entity", { errors: ["Review Can not request changes on your own pull request"] });
    if ((event === "REQUEST_CHANGES" || event === "COMMENT") && !body.trim())
      throw new HttpError(422, "Unprocessable Entity", { errors: [`Review body is required when event is ${event}`] });
    if (commitId !== undefined && (!SHA_RE.test(commitId) || !(await rp.git.readCommit(commitId))))
      throw invalid("Validation Failed", "commit_id", "invalid", "PullRequestReview");
    const comments = reviewComments(ctx.body.comments);
    const live = await core.pullLive(i);
    const rev: ReviewRec = {
      id: store.id(),
      repo: rp.key,
      number: i.number,
      user: ctx.actor,
      state:
        event === "APPROVE"
          ? "APPROVED"
          : event === "REQUEST_CHANGES"
            ? "CHANGES_REQUESTED"
            : event === "COMMENT"
              ? "COMMENTED"
              : "PENDING",
      body,
      commitId: commitId ?? live.headSha,
      submittedAt: now(),
      ...(comments.length ? { comments: comments.map((c) => ({ id: store.id(), ...c })) } : {}),
    };
    store.data.reviews[String(rev.id)] = rev;
    if (rev.state !== "PENDING" && i.pull!.requestedReviewers)
      i.pull!.requestedReviewers = i.pull!.requestedReviewers.filter((x) => x.toLowerCase() !== ctx.actor.toLowerCase());
    if (rev.state !== "PENDING") {
      const review = { ...shapes.review(rev), state: rev.state.toLowerCase() };
      core.emit("pull_request_review", rp.key, ctx.actor, { action: "submitted", review, pull_request: shapes.pull(i, null) });
    }
    return shapes.review(rev);
  });
  r.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", (ctx) => {
    const rp = repoOf(core, ctx);
    const i = pullOf(core, rp, ctx.params.pull_number);
    const list = Object.values(store.data.reviews).filter(
      (v) => v.repo === rp.key && v.number === i.number && (v.state !== "PENDING" || v.user === ctx.actor),
    );
    return paginate(
      ctx,
      list.sort((a, b) => a.id - b.id).map((v) => shapes.review(v)),
      api,
    );
  });
  r.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments", (ctx) => {
    const rp = repoOf(core, ctx);
    const i = pullOf(core, rp, ctx.params.pull_number);
    const v = store.data.reviews[ctx.params.review_id];
    if (!v || v.repo !== rp.key || v.number !== i.number) throw notFound();
    return paginate(
      ctx,
      (v.comments ?? []).map((c) => shapes.reviewComment(v, c)),
      api,
    );
  });
  r.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}", (ctx) => {
    const rp = repoOf(core, ctx);
    const i = pullOf(core, rp, ctx.params.pull_number);
    const v = store.data.reviews[ctx.params.review_id];
    if (!v || v.repo !== rp.key || v.number !== i.number) throw notFound();
    return shapes.review(v);
  });
  // Dismissing needs push access (an App: pull_requests write); only an approval or a change
  // request can be dismissed, as on GitHub (422 "Can not dismiss a <state> pull request review").
  r.add("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/dismissals", (ctx) => {
    const rp = repoForWrite(core, ctx, "pull_requests");
    const i = pullOf(core, rp, ctx.params.pull_number);
    const v = store.data.reviews[ctx.params.review_id];
    if (!v || v.repo !== rp.key || v.number !== i.number) throw notFound();
    // This route's 422 is GitHub's "validation failed, simple" shape: errors are plain strings.
    const message = ctx.body.message;
    if (typeof message !== "string")
      throw new HttpError(
        422,
        `Invalid request.\n\n"message" ${message === undefined || message === null ? "wasn't supplied" : "is not a string"}.`,
      );
    if (ctx.body.event !== undefined && ctx.body.event !== "DISMISS")
      throw new HttpError(422, `Invalid request.\n\nFor 'event', ${JSON.stringify(ctx.body.event)} is not one of DISMISS.`);
    if (v.state !== "APPROVED" && v.state !== "CHANGES_REQUESTED")
      throw new HttpError(422, "Validation Failed", { errors: [`Can not dismiss a ${v.state.toLowerCase()} pull request review`] });
    v.state = "DISMISSED";
    store.touch();
    if (core.receives(rp.key, "pull_request_review")) {
      core.emit("pull_request_review", rp.key, ctx.actor, {
        action: "dismissed",
        review: { ...shapes.review(v), state: "dismissed" },
        pull_request: shapes.pull(i, null),
      });
    }
    return shapes.review(v);
  });
}

async function mergePull(
  core: Core,
  ctx: Ctx,
  rp: ReturnType<typeof repoOf>,
  i: IssueRec,
  o: { method: "merge" | "squash" | "rebase"; expected?: string; title?: string; message?: string },
): Promise<unknown> {
  const p = i.pull!;
  if (p.merged) throw new HttpError(405, "Pull Request is not mergeable: it is already merged");
  if (i.state === "closed") throw new HttpError(405, "Pull Request is not mergeable: it is closed");
  if (p.draft) throw new HttpError(405, "Pull Request is still a draft");
  const headRef = `refs/heads/${p.headRef}`;
  const baseRef = `refs/heads/${p.baseRef}`;
  const headSha = await rp.git.refSha(headRef);
  const baseSha = await rp.git.refSha(baseRef);
  if (!headSha || !baseSha) throw new HttpError(405, "Pull Request is not mergeable: its head or base branch is gone");
  if (o.expected !== undefined && o.expected !== headSha)
    throw new HttpError(409, "Head branch was modified. Review and try the merge again.");
  const merged = await core.mergeTree(rp.key, baseSha, headSha);
  if (!merged.tree) throw new HttpError(405, "Pull Request is not mergeable");
  await core.assertWorkflowsAllowed(ctx.auth, rp.key, headSha, baseSha);
  const merger = core.identity(ctx.actor);
  const committer = { name: "GitHub", email: "noreply@github.com" };
  let sha: string;
  if (o.method === "merge") {
    const msg = `${o.title ?? `Merge pull request #${i.number} from ${rp.rec.owner}/${p.headRef}`}\n\n${o.message ?? i.title}\n`;
    sha = await rp.git.commitTree(merged.tree, [baseSha, headSha], msg, merger, committer);
  } else if (o.method === "squash") {
    const msg = `${o.title ?? `${i.title} (#${i.number})`}\n\n${o.message ?? ""}`.trimEnd() + "\n";
    const author = (await rp.git.readCommit(headSha))!.author;
    sha = await rp.git.commitTree(merged.tree, [baseSha], msg, { name: author.name, email: author.email }, committer);
  } else {
    // Rebase: replay the PR's commits onto the base; supported when the base has not moved
    // since the branch point (no merge-tree --merge-base on git 2.39).
    if (!(await rp.git.isAncestor(baseSha, headSha))) throw new HttpError(405, "This branch can't be rebased");
    const shas = (await rp.git.revList(headSha, { exclude: baseSha })).reverse();
    let parent = baseSha;
    for (const s of shas) {
      const c = (await rp.git.readCommit(s))!;
      if (c.parents.length > 1) throw new HttpError(405, "This branch can't be rebased");
      parent = await rp.git.commitTree(c.tree, [parent], c.message, c.author, committer);
    }
    sha = parent;
  }
  if (!(await rp.git.updateRef(baseRef, sha, baseSha)))
    throw new HttpError(409, "Base branch was modified. Review and try the merge again.");
  const t = now();
  Object.assign(p, { merged: true, mergedAt: t, mergedBy: ctx.actor, mergeCommitSha: sha, headSha, baseSha });
  Object.assign(i, { state: "closed", closedAt: t, updatedAt: t, closedBy: ctx.actor });
  core.store.touch();
  await core.refsChanged(rp.key, [{ ref: baseRef, before: baseSha, after: sha }], ctx.actor);
  if (core.receives(rp.key, "pull_request"))
    core.emit("pull_request", rp.key, ctx.actor, { action: "closed", number: i.number, pull_request: await core.pullShape(i) });
  return { sha, merged: true, message: "Pull Request successfully merged" };
}

/**
 * A review's `comments` (path, body, line — or the older `position` — and side), read as
 * GitHub validates them: a bad one is a 422 with the route's plain-string `errors`.
 */
function reviewComments(raw: unknown): Omit<ReviewCommentRec, "id">[] {
  const refuse = (error: string) => new HttpError(422, "Unprocessable Entity", { errors: [error] });
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw refuse(`comments is not an array`);
  return raw.map((c: unknown, n) => {
    const o = (c ?? {}) as Record<string, unknown>;
    if (typeof c !== "object" || typeof o.path !== "string" || typeof o.body !== "string" || !o.body.trim())
      throw refuse(`Comment ${n + 1}: path and body are required`);
    const line = o.line ?? o.position;
    if (typeof line !== "number" || !Number.isInteger(line) || line < 1) throw refuse(`Comment ${n + 1}: Line could not be resolved`);
    const side = o.side === "LEFT" ? "LEFT" : "RIGHT";
    return { path: o.path, line, side, body: o.body };
  });
}
