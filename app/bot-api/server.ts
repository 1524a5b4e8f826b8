// The server side of the bot ⇄ app link (contract/app-link.ts): bearer-token HTTP
// under /bot/v1 and the progress stream (SSE, resumable with Last-Event-ID). Every body is
// validated with the protocol's schemas; errors are { error } with a message for the user.
// One extension: GET /bot/v1/changes/:id/audit → { changeId, state, audit: AuditRow[] }.
import { timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { z } from "zod";
import { actorSchema, API_PREFIX, changeRequestSchema, runtimeErrorReportSchema, voteValueSchema } from "../../contract/app-link.ts";
import type { Actor, AppStatus, ChangeSummary, ProgressEvent, RollbackResult, SubmitResult, VoteResult } from "../../contract/app-link.ts";
import { z as zod } from "zod";
import type { Engine } from "../engine.ts";
import { Refused, submit } from "../lifecycle/intake.ts";
import { rollback, RollbackRefused } from "../lifecycle/deployment.ts";
import { vote } from "../lifecycle/review.ts";
import { reportRuntimeError } from "./errors.ts";

const MAX_BODY = 64 * 1024;

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
};

async function readJson<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, "request body too large");
    chunks.push(chunk as Buffer);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
  } catch {
    throw new HttpError(400, "the body is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new HttpError(
      400,
      `invalid request: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

function authorized(req: IncomingMessage, token: string): boolean {
  const h = req.headers.authorization ?? "";
  const m = /^Bearer (.+)$/.exec(h);
  return m !== null && timingSafeEqual(digest(m[1]), digest(token));
}

/** May this Discord actor use a capability the policy grants to some roles? */
function hasRole(actor: Actor, roles: string[]): boolean {
  return roles.includes("@everyone") || actor.roles.some((r) => roles.includes(r));
}

const byBody = zod.object({ by: actorSchema });
const voteBody = zod.object({ voter: actorSchema, vote: voteValueSchema });

export function botApi(eng: Engine, token: string, log: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://local");
    const path = url.pathname.replace(/\/+$/, "");
    const method = req.method ?? "GET";
    try {
      if (!authorized(req, token)) throw new HttpError(401, "missing or wrong bearer token");
      const rest = path.slice(API_PREFIX.length);
      if (method === "GET" && rest === "/events") return stream(eng, req, res);
      if (method === "POST" && rest === "/changes") {
        const body = await readJson(req, changeRequestSchema);
        const p = await eng.policy();
        if (!hasRole(body.requester, p.policy.roles.request)) throw new HttpError(403, "you do not have a role that may request changes");
        try {
          const { change } = await submit(
            eng,
            {
              requestId: body.id,
              source: "discord",
              requester: {
                name: body.requester.name,
                key: `discord:${body.requester.discordId}`,
                discordId: body.requester.discordId,
                roles: body.requester.roles,
              },
              text: body.text,
              recipe: body.recipe,
              origin: body.origin,
            },
            log.child({ requestId: body.id }),
          );
          const out: SubmitResult = { changeId: change.id, ...(change.issueUrl ? { trackingIssueUrl: change.issueUrl } : {}) };
          return send(res, 201, out);
        } catch (e) {
          if (e instanceof Refused) throw new HttpError(429, e.message);
          throw e;
        }
      }
      if (method === "GET" && rest === "/changes") {
        const limit = Math.min(100, Math.max(1, Number(url.searchParams.get("limit") ?? 20) || 20));
        const changes: ChangeSummary[] = eng.store.recentChanges(limit).map((c) => ({
          changeId: c.id,
          title: c.title,
          state: c.state,
          requester: c.requester,
          ...(c.prUrl ? { prUrl: c.prUrl } : {}),
          ...(c.risk ? { risk: c.risk as ChangeSummary["risk"] } : {}),
          updatedAt: new Date(c.updatedAt).toISOString(),
        }));
        return send(res, 200, { changes });
      }
      if (method === "GET" && rest === "/status") return send(res, 200, await status(eng));
      if (method === "POST" && (rest === "/stop" || rest === "/resume")) {
        const { by } = await readJson(req, byBody);
        const p = await eng.policy();
        if (!hasRole(by, p.policy.roles.stop)) throw new HttpError(403, "you do not have a role that may stop or resume Ouro");
        const s = eng.setStop(rest === "/stop", `${by.name} (Discord)`);
        return send(res, 200, { stopped: s.stopped });
      }
      if (method === "POST" && rest === "/errors") {
        const report = await readJson(req, runtimeErrorReportSchema);
        await reportRuntimeError(eng, report);
        return send(res, 202, { accepted: true });
      }
      const a = /^\/changes\/([^/]+)\/audit$/.exec(rest);
      if (method === "GET" && a) {
        // An extension of the protocol: the whole audit trail of one change, oldest first.
        const id = decodeURIComponent(a[1]);
        const c = eng.store.change(id) ?? eng.store.changeByRequest(id);
        if (!c) throw new HttpError(404, `no change ${id}`);
        const related = [c.id, ...(c.revertChange ? [c.revertChange] : [])];
        const audit = related.flatMap((x) => eng.store.auditOf(x)).sort((x, y) => x.seq - y.seq);
        return send(res, 200, { changeId: c.id, state: c.state, audit });
      }
      const m = /^\/changes\/([^/]+)\/(rollback|votes)$/.exec(rest);
      if (method === "POST" && m) {
        const id = decodeURIComponent(m[1]);
        const c = eng.store.change(id) ?? eng.store.changeByRequest(id);
        if (!c) throw new HttpError(404, `no change ${id}`);
        const p = await eng.policy();
        if (m[2] === "rollback") {
          const { by } = await readJson(req, byBody);
          if (!hasRole(by, p.policy.roles.rollback)) throw new HttpError(403, "you do not have a role that may roll back changes");
          try {
            const r = await rollback(
              eng,
              c.id,
              `${by.name} (Discord)`,
              `/rollback by ${by.name} on Discord`,
              log.child({ changeId: c.id }),
            );
            const out: RollbackResult = {
              changeId: c.id,
              ...(r.prUrl ? { revertPrUrl: r.prUrl } : {}),
              message: r.prUrl
                ? `revert pull request opened (change ${r.id})`
                : `revert ${r.id}: ${r.state}${r.reason ? ` — ${r.reason}` : ""}`,
            };
            return send(res, 200, out);
          } catch (e) {
            if (e instanceof RollbackRefused) throw new HttpError(409, e.message);
            throw e;
          }
        }
        const body = await readJson(req, voteBody);
        if (!hasRole(body.voter, p.policy.roles.vote)) throw new HttpError(403, "you do not have a role that may vote");
        const votes = await vote(eng, c.id, `discord:${body.voter.discordId}`, body.vote, log.child({ changeId: c.id }));
        const out: VoteResult = { changeId: c.id, votes };
        return send(res, 200, out);
      }
      throw new HttpError(404, `no route ${method} ${path}`);
    } catch (e) {
      if (e instanceof HttpError) return send(res, e.status, { error: e.message });
      log.error({ err: e }, "bot API request failed");
      return send(res, 500, { error: `the Ouro app failed: ${(e as Error).message}` });
    }
  };
}

export async function status(eng: Engine): Promise<AppStatus> {
  const p = await eng.policy();
  const b = eng.breakerNow(p.policy.circuitBreaker);
  const s = eng.stopState();
  const last = eng.store.get(
    "lastDeploy",
    zod.object({ commit: zod.string(), prUrl: zod.string().nullable().optional(), deployedAt: zod.string() }),
    null,
  );
  const stopped = eng.stopped(p);
  return {
    version: last
      ? { commit: last.commit, ...(last.prUrl ? { prUrl: last.prUrl } : {}), deployedAt: last.deployedAt }
      : { commit: "unknown" },
    health: b.state === "open" || stopped ? "degraded" : "ok",
    pendingChanges: eng.store.changesIn(["queued", "working", "pr", "checks", "review", "merged"]).length,
    circuitBreaker: { state: b.state, failures: b.failures },
    emergencyStop: {
      stopped,
      ...(s.by ? { by: s.by } : p.policy.emergencyStop ? { by: "policy" } : {}),
      ...(s.since ? { since: s.since } : {}),
    },
  };
}

/** Progress as server-sent events; `Last-Event-ID` replays what the bot missed. */
function stream(eng: Engine, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  res.write(": ouro progress stream\n\n");
  let last = Number(req.headers["last-event-id"] ?? 0) || 0;
  const write = (seq: number, ev: ProgressEvent) => {
    if (seq <= last) return;
    last = seq;
    res.write(`id: ${seq}\nevent: progress\ndata: ${JSON.stringify(ev)}\n\n`);
  };
  for (const row of eng.store.progressAfter(last)) write(row.seq, JSON.parse(row.json) as ProgressEvent);
  const onProgress = (seq: number, ev: ProgressEvent) => write(seq, ev);
  eng.events.on("progress", onProgress);
  const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
  keepAlive.unref();
  const done = () => {
    clearInterval(keepAlive);
    eng.events.off("progress", onProgress);
  };
  req.on("close", done);
  res.on("close", done);
}
