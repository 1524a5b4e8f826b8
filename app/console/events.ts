// GET /console/events: the app's event bus (app/events.ts) as server-sent events for the
// console's pages. Each event says only what moved — `{ kind, changeId?, state? }`, never a
// request text or a name — and the page fetches itself again to show it (assets/console.js).
// The stream opens with `event: ready`, so a client (or a test) knows it is subscribed.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../context.ts";
import type { AppEventName } from "../events.ts";
import type { GitHubViews } from "./github-data.ts";

/** The events that change what a console page shows. */
const FORWARDED = [
  "queued",
  "revert-queued",
  "merged",
  "pr-closed",
  "reported",
  "deployed",
  "switches-changed",
  "resumed",
] as const satisfies readonly AppEventName[];

export interface ConsoleEvent {
  kind: string;
  changeId?: string;
  state?: string;
}

export function consoleStream(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  github?: Pick<GitHubViews, "onRefreshed">,
  keepAliveMs = 15_000,
): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-content-type-options": "nosniff",
  });
  let n = 0;
  const send = (e: ConsoleEvent) => res.write(`id: ${++n}\nevent: change\ndata: ${JSON.stringify(e)}\n\n`);
  const changeId = (payload: object): string | undefined =>
    "changeId" in payload && typeof payload.changeId === "string" ? payload.changeId : undefined;
  const offs = FORWARDED.map((name) =>
    ctx.events.on(name, (payload: object) => {
      const id = changeId(payload);
      send({ kind: name, ...(id ? { changeId: id } : {}) });
    }),
  );
  // Every replica's progress, in order (replicas/progress-feed.ts), not only what this one stored.
  offs.push(ctx.events.on("progress-feed", ({ event }) => send({ kind: "progress", changeId: event.changeId, state: event.state })));
  // GitHub said something new about a change that the app did not hear of (github-data.ts).
  if (github) offs.push(github.onRefreshed((id) => send({ kind: "github", changeId: id })));
  res.write(`retry: 2000\nevent: ready\ndata: {}\n\n`);
  const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), keepAliveMs);
  keepAlive.unref();
  let done = false;
  const close = () => {
    if (done) return;
    done = true;
    clearInterval(keepAlive);
    for (const off of offs) off();
  };
  req.on("close", close);
  res.on("close", close);
}
