// A minimal raw gateway client for protocol tests: records frames and the close code.
import { WebSocket } from "ws";

export interface Frame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

export class RawGateway {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  #waiters: (() => void)[] = [];

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on("message", (raw) => {
      this.frames.push(JSON.parse(raw.toString()) as Frame);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      this.ws.on("close", (code) => {
        this.closeCode = code;
        resolve(code);
        for (const w of this.#waiters.splice(0)) w();
      }),
    );
  }

  send(payload: unknown): void {
    this.ws.send(typeof payload === "string" ? payload : JSON.stringify(payload));
  }

  /** Resolves with the first frame (from `from` on) matching, or rejects after `ms` (a bound for failures only). */
  async next(match: (f: Frame) => boolean, ms = 10_000, from = 0): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.frames.slice(from).find(match);
      if (f) return f;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) before a matching frame`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${ms} ms; got ${this.frames.map((x) => x.t ?? `op${x.op}`).join(", ")}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  identify(token: string, intents: number, shard?: [number, number]): void {
    this.send({ op: 2, d: { token, intents, properties: { os: "linux", browser: "test", device: "test" }, ...(shard ? { shard } : {}) } });
  }

  close(): void {
    this.ws.terminate();
  }
}
