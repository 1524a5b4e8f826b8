// One address in front of several app replicas, as a load balancer would be: requests go
// round-robin to the replicas; a request whose connection is refused (the replica is gone)
// is tried on the next one, so a dead replica costs no request that had not reached it yet.
// Request bodies are read whole (webhooks and bot-link calls are small) so they can be sent
// again; answers are streamed through as they come, server-sent events included.
import { Agent, createServer, request as httpRequest } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Proxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Requests answered by each target (by its URL), and those no target took. */
  counts(): { byTarget: Record<string, number>; failed: number; retried: number };
  close(): Promise<void>;
}

/** Errors that mean the request never reached the target: safe to send elsewhere. */
const NOT_DELIVERED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);

export async function startProxy(targets: string[]): Promise<Proxy> {
  if (targets.length === 0) throw new Error("the proxy needs at least one target URL");
  const urls = targets.map((t) => new URL(t));
  // No kept-alive sockets: a pooled socket to a killed replica would fail as a reset, not a refusal.
  const agent = new Agent({ keepAlive: false });
  const byTarget: Record<string, number> = Object.fromEntries(targets.map((t) => [t, 0]));
  let next = 0;
  let failed = 0;
  let retried = 0;
  const open = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    open.add(res);
    res.once("close", () => open.delete(res));
    void forward(req, res);
  });

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const first = next++ % urls.length;
    for (let i = 0; i < urls.length; i++) {
      const target = urls[(first + i) % urls.length];
      const outcome = await send(target, req, body, res);
      if (outcome === "answered") {
        byTarget[targets[(first + i) % urls.length]]++;
        return;
      }
      if (outcome === "broken") break;
      retried++;
    }
    failed++;
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end("no replica answered");
    else res.destroy();
  }

  /** "answered": the target's answer is (being) streamed; "refused": try another; "broken": it failed midway. */
  function send(target: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<"answered" | "refused" | "broken"> {
    return new Promise((resolve) => {
      const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
      delete headers["transfer-encoding"];
      delete headers.connection;
      const out = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders();
        answer.on("data", (c: Buffer) => res.write(c));
        answer.once("end", () => res.end());
        answer.once("error", () => res.destroy());
        answer.once("aborted", () => res.destroy());
        // The client went away (a closed event stream): let the target know.
        res.once("close", () => answer.destroy());
        resolve("answered");
      });
      out.once("error", (e: NodeJS.ErrnoException) => resolve(NOT_DELIVERED.has(e.code ?? "") ? "refused" : "broken"));
      out.end(body);
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ byTarget: { ...byTarget }, failed, retried }),
    async close() {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
