// An in-test fake of the Ouro app's bot interface (contract/app-link.ts) over real
// HTTP + SSE, so the bot's HTTP client is exercised end to end. It fakes OUR protocol only.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  API_PREFIX,
  actorSchema,
  changeRequestSchema,
  runtimeErrorReportSchema,
  voteValueSchema,
  type AppStatus,
  type ChangeRequest,
  type ChangeSummary,
  type ProgressEvent,
  type RuntimeErrorReport,
} from "../../contract/app-link.ts";
import { z } from "zod";

export interface FakeApp {
  url: string;
  token: string;
  requests: ChangeRequest[];
  errors: RuntimeErrorReport[];
  rollbacks: { changeId: string; by: string }[];
  votes: { changeId: string; voter: string; vote: string }[];
  /** Discord ids that asked to be forgotten (POST /forget); their requests are dropped here. */
  forgotten: string[];
  /** Each connection to the event stream, with the Last-Event-ID it resumed from. */
  eventStreamRequests: { lastEventId?: string }[];
  status: AppStatus;
  /** Next POST /changes answers with this error instead (once). */
  failNextSubmit?: { status: number; error: string };
  /** While set, POST /changes waits for this promise before answering (a slow app). */
  submitGate?: Promise<void>;
  /** While set, POST …/rollback waits for this promise before answering (a slow app). */
  rollbackGate?: Promise<void>;
  emit(event: Omit<ProgressEvent, "at"> & { at?: string }): void;
  /** Resolves when n event-stream clients are connected. */
  streamClients(n?: number): Promise<void>;
  dropStreams(): void;
  close(): Promise<void>;
}

export async function startFakeApp(token = "test-app-token-0123456789"): Promise<FakeApp> {
  const events: { id: number; event: ProgressEvent }[] = [];
  const streams = new Set<ServerResponse>();
  const changes = new Map<string, ChangeSummary>();
  let waiters: (() => void)[] = [];
  const app: FakeApp = {
    url: "",
    token,
    requests: [],
    errors: [],
    rollbacks: [],
    votes: [],
    forgotten: [],
    eventStreamRequests: [],
    status: {
      version: { commit: "abc1234def", prUrl: "https://github.com/ouro/ouro/pull/7", deployedAt: new Date().toISOString() },
      health: "ok",
      pendingChanges: 0,
      circuitBreaker: { state: "closed", failures: 0 },
      emergencyStop: { stopped: false },
    },
    emit(partial) {
      const event = { at: new Date().toISOString(), ...partial } as ProgressEvent;
      const c = changes.get(event.changeId);
      if (c) Object.assign(c, { state: event.state, prUrl: event.prUrl ?? c.prUrl, updatedAt: event.at });
      const id = events.push({ id: events.length + 1, event });
      for (const s of streams) s.write(`id: ${id}\nevent: progress\ndata: ${JSON.stringify(event)}\n\n`);
    },
    streamClients(n = 1) {
      return new Promise<void>((resolve) => {
        if (streams.size >= n) return resolve();
        waiters.push(() => streams.size >= n && resolve());
      });
    },
    dropStreams() {
      for (const s of streams) s.destroy();
      streams.clear();
    },
    async close() {
      app.dropStreams();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const readJson = async (req: IncomingMessage): Promise<unknown> => {
    let s = "";
    for await (const c of req) s += c;
    return s ? JSON.parse(s) : {};
  };

  const server = createServer(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: "bad app token" });
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : "";
    try {
      if (req.method === "GET" && path === "/events") {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.write(": connected\n\n");
        const resumeFrom = req.headers["last-event-id"] as string | undefined;
        app.eventStreamRequests.push({ lastEventId: resumeFrom });
        const after = Number(resumeFrom ?? 0);
        for (const e of events) if (e.id > after) res.write(`id: ${e.id}\nevent: progress\ndata: ${JSON.stringify(e.event)}\n\n`);
        streams.add(res);
        req.on("close", () => streams.delete(res));
        const w = waiters;
        waiters = [];
        for (const f of w) f();
        return;
      }
      if (req.method === "POST" && path === "/changes") {
        const parsed = changeRequestSchema.safeParse(await readJson(req));
        if (!parsed.success) return send(res, 400, { error: `bad change request: ${parsed.error.issues[0].message}` });
        await app.submitGate;
        if (app.failNextSubmit) {
          const f = app.failNextSubmit;
          app.failNextSubmit = undefined;
          return send(res, f.status, { error: f.error });
        }
        app.requests.push(parsed.data);
        const changeId = `chg-${app.requests.length}`;
        changes.set(changeId, {
          changeId,
          title: parsed.data.text.slice(0, 80),
          state: "queued",
          requester: parsed.data.requester.name,
          updatedAt: new Date().toISOString(),
        });
        return send(res, 201, { changeId, trackingIssueUrl: `https://github.com/ouro/ouro/issues/${100 + app.requests.length}` });
      }
      if (req.method === "GET" && path === "/changes") {
        const limit = Number(url.searchParams.get("limit") ?? 10);
        return send(res, 200, { changes: [...changes.values()].reverse().slice(0, limit) });
      }
      if (req.method === "GET" && path === "/status") return send(res, 200, app.status);
      const rb = /^\/changes\/([^/]+)\/rollback$/.exec(path);
      if (req.method === "POST" && rb) {
        const { by } = z.object({ by: actorSchema }).parse(await readJson(req));
        const changeId = decodeURIComponent(rb[1]);
        await app.rollbackGate;
        if (!changes.has(changeId)) return send(res, 404, { error: `no change ${changeId}` });
        app.rollbacks.push({ changeId, by: by.discordId });
        return send(res, 200, { changeId, revertPrUrl: "https://github.com/ouro/ouro/pull/99" });
      }
      const vt = /^\/changes\/([^/]+)\/votes$/.exec(path);
      if (req.method === "POST" && vt) {
        const body = z.object({ voter: actorSchema, vote: voteValueSchema }).parse(await readJson(req));
        const changeId = decodeURIComponent(vt[1]);
        app.votes = app.votes.filter((v) => !(v.changeId === changeId && v.voter === body.voter.discordId));
        app.votes.push({ changeId, voter: body.voter.discordId, vote: body.vote });
        const mine = app.votes.filter((v) => v.changeId === changeId);
        return send(res, 200, {
          changeId,
          votes: { up: mine.filter((v) => v.vote === "up").length, down: mine.filter((v) => v.vote === "down").length, needed: 2 },
        });
      }
      if (req.method === "POST" && (path === "/stop" || path === "/resume")) {
        const { by } = z.object({ by: actorSchema }).parse(await readJson(req));
        const stopped = path === "/stop";
        app.status.emergencyStop = stopped ? { stopped, by: by.name, since: new Date().toISOString() } : { stopped };
        return send(res, 200, { stopped });
      }
      if (req.method === "POST" && path === "/forget") {
        const { by } = z.object({ by: actorSchema }).parse(await readJson(req));
        app.forgotten.push(by.discordId);
        const mine = app.requests.filter((r) => r.requester.discordId === by.discordId).length;
        app.requests = app.requests.filter((r) => r.requester.discordId !== by.discordId);
        return send(res, 200, { changes: mine, open: 0, auditEntries: mine, votes: 0, links: 0 });
      }
      if (req.method === "POST" && path === "/errors") {
        app.errors.push(runtimeErrorReportSchema.parse(await readJson(req)));
        return send(res, 202, {});
      }
      send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
    } catch (err) {
      send(res, 400, { error: (err as Error).message });
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  app.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return app;
}
