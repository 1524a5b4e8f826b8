// GET /events: progress as server-sent events, every replica's, in sequence order (the feed:
// replicas/progress-feed.ts); `Last-Event-ID` replays what the bot missed.
import type { ProgressEvent } from "../../../contract/app-link.ts";
import type { Answer, Call } from "../route.ts";

export function progressStream({ ctx, req, res }: Call<undefined>): Answer {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  res.write(": ouro progress stream\n\n");
  let last = Number(req.headers["last-event-id"] ?? 0) || 0;
  const write = (seq: number, ev: ProgressEvent) => {
    if (seq <= last) return;
    last = seq;
    res.write(`id: ${seq}\nevent: progress\ndata: ${JSON.stringify(ev)}\n\n`);
  };
  for (const { seq, event } of ctx.store.progress.after(last)) write(seq, event);
  const unsubscribe = ctx.events.on("progress-feed", ({ seq, event }) => write(seq, event));
  const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
  keepAlive.unref();
  const done = () => {
    clearInterval(keepAlive);
    unsubscribe();
  };
  req.on("close", done);
  res.on("close", done);
  return "streaming";
}
