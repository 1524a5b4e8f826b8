// Discord gateway v10 over `ws` (JSON encoding, no transport compression):
// HELLO → IDENTIFY → READY + GUILD_CREATE…, heartbeats, RESUME with replay of missed
// dispatches, op 7 reconnect / op 9 invalid session on demand, intent-filtered dispatches.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { randomBytes } from "node:crypto";
import { WebSocketServer, WebSocket } from "ws";
import { GatewayCloseCodes, GatewayOpcodes, GatewayDispatchEvents } from "discord-api-types/v10";
import type { GatewayHello, GatewayHeartbeatAck, GatewayReconnect, GatewayInvalidSession } from "discord-api-types/v10";
import { sendPayload, identifyData, resumeData, requestGuildMembersData } from "./gateway-schemas.ts";
import { KNOWN_INTENTS, PRIVILEGED_INTENTS, Intents } from "./intents.ts";
import { guildCreatePayload, memberPayload, readyPayload } from "./payloads.ts";
import type { Store } from "./store.ts";
import type { Logger } from "./log.ts";

/** Dispatches kept per session for RESUME; older sequence numbers get op 9 (not resumable). */
const REPLAY_BUFFER = 2000;
/** A session without a socket for this long can no longer be resumed (and stops buffering). */
const RESUME_WINDOW_MS = 5 * 60_000;

export interface GatewayOptions {
  /** op 10 `heartbeat_interval` (Discord: 41250 ms). */
  heartbeatIntervalMs: number;
  /** Intent bits a bot may not use (as when a privileged intent is not enabled in the portal) → close 4014. */
  disallowedIntents: number;
}

export interface GatewaySession {
  id: string;
  intents: number;
  shard: [number, number];
  seq: number;
  /** Sent dispatches `[seq, json]` for replay on RESUME. */
  buffer: [number, string][];
  ws: WebSocket | null;
  identifiedAt: number;
  /** When the socket went away (for the resume window). */
  disconnectedAt?: number;
}

/** A dispatch's target and its data, serialized at most twice (with and without message content). */
export interface DispatchSpec {
  t: string;
  /** Guild the event belongs to (shard routing + guild intents); absent = DM / global. */
  guildId?: string;
  /** Intent bit required; undefined = always delivered (READY, INTERACTION_CREATE…). */
  intent?: number;
  data: unknown;
  /** For message events: the data with content/embeds/attachments/components emptied. */
  withoutContent?: () => unknown;
}

interface Conn {
  ws: WebSocket;
  session: GatewaySession | null;
}

export class Gateway {
  readonly sessions = new Map<string, GatewaySession>();
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  readonly #store: Store;
  readonly #opts: GatewayOptions;
  readonly #log: Logger;
  #url = "";
  readonly #corked = new Set<Duplex>();
  /** Raised after each identify/resume so waiters (driver) can observe connections. */
  readonly #listeners = new Set<() => void>();

  constructor(store: Store, opts: GatewayOptions, log: Logger) {
    this.#store = store;
    this.#opts = opts;
    this.#log = log;
  }

  setUrl(url: string): void {
    this.#url = url;
  }
  get url(): string {
    return this.#url;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, req));
  }

  #onConnection(ws: WebSocket, req: IncomingMessage): void {
    const query = new URL(req.url ?? "/", "http://x").searchParams;
    const conn: Conn = { ws, session: null };
    ws.on("error", (err) => this.#log.debug({ err: String(err) }, "gateway socket error"));
    if (query.get("v") !== null && query.get("v") !== "10") {
      ws.close(GatewayCloseCodes.InvalidAPIVersion, "Invalid API version (the stand-in speaks v10)");
      return;
    }
    if ((query.get("encoding") ?? "json") !== "json") {
      ws.close(GatewayCloseCodes.DecodeError, "Only encoding=json is supported by the stand-in");
      return;
    }
    if (query.get("compress")) {
      ws.close(GatewayCloseCodes.DecodeError, "Transport compression is not supported by the stand-in");
      return;
    }
    const hello: GatewayHello = { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.#opts.heartbeatIntervalMs }, s: null, t: null };
    ws.send(JSON.stringify(hello));
    ws.on("message", (raw, isBinary) => {
      try {
        this.#onMessage(conn, raw as Buffer, isBinary);
      } catch (err) {
        // A bug here must not take the server down: close as Discord does on its own errors (clients resume).
        this.#log.error({ err: String(err), stack: (err as Error).stack }, "discord stand-in: gateway internal error");
        ws.close(GatewayCloseCodes.UnknownError, "Unknown error.");
      }
    });
    ws.on("close", (code) => {
      const s = conn.session;
      if (s && s.ws === ws) {
        s.ws = null;
        s.disconnectedAt = Date.now();
        // A clean close (1000/1001) ends the session, as on Discord; other codes keep it resumable.
        if (code === 1000 || code === 1001) this.sessions.delete(s.id);
      }
    });
  }

  #onMessage(conn: Conn, raw: Buffer, isBinary: boolean): void {
    const { ws } = conn;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch {
      ws.close(GatewayCloseCodes.DecodeError, "Error while decoding payload.");
      return;
    }
    const payload = sendPayload.safeParse(parsed);
    if (isBinary || !payload.success) {
      ws.close(GatewayCloseCodes.DecodeError, "Error while decoding payload.");
      return;
    }
    const { op, d } = payload.data;
    this.#log.debug({ op }, "gateway receive");
    switch (op) {
      case GatewayOpcodes.Heartbeat: {
        const ack: GatewayHeartbeatAck = { op: GatewayOpcodes.HeartbeatAck, d: null as never, s: null, t: null };
        ws.send(JSON.stringify(ack));
        return;
      }
      case GatewayOpcodes.Identify:
        return this.#identify(conn, d);
      case GatewayOpcodes.Resume:
        return this.#resume(conn, d);
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
        if (!conn.session) ws.close(GatewayCloseCodes.NotAuthenticated, "Not authenticated.");
        return;
      case GatewayOpcodes.RequestGuildMembers:
        if (!conn.session) return void ws.close(GatewayCloseCodes.NotAuthenticated, "Not authenticated.");
        return this.#requestGuildMembers(conn.session, d);
      default:
        ws.close(GatewayCloseCodes.UnknownOpcode, "Unknown opcode.");
    }
  }

  #identify(conn: Conn, d: unknown): void {
    const { ws } = conn;
    // A session invalidated by op 9 may IDENTIFY again on the same socket.
    if (conn.session && this.sessions.has(conn.session.id))
      return void ws.close(GatewayCloseCodes.AlreadyAuthenticated, "Already authenticated.");
    const data = identifyData.safeParse(d);
    if (!data.success) return void ws.close(GatewayCloseCodes.DecodeError, "Error while decoding payload.");
    const { token, intents, shard = [0, 1] } = data.data;
    if (stripBot(token) !== this.#store.botToken) return void ws.close(GatewayCloseCodes.AuthenticationFailed, "Authentication failed.");
    if ((intents & ~KNOWN_INTENTS) !== 0) return void ws.close(GatewayCloseCodes.InvalidIntents, "Invalid intent(s).");
    if ((intents & this.#opts.disallowedIntents & PRIVILEGED_INTENTS) !== 0)
      return void ws.close(GatewayCloseCodes.DisallowedIntents, "Disallowed intent(s).");
    if (shard[0] >= shard[1]) return void ws.close(GatewayCloseCodes.InvalidShard, "Invalid shard.");
    const session: GatewaySession = {
      id: randomBytes(16).toString("hex"),
      intents,
      shard,
      seq: 0,
      buffer: [],
      ws,
      identifiedAt: Date.now(),
    };
    this.sessions.set(session.id, session);
    conn.session = session;
    const guilds = [...this.#store.guilds.values()].filter((g) => shardOf(g.id, shard[1]) === shard[0]);
    this.#send(
      session,
      GatewayDispatchEvents.Ready,
      JSON.stringify(
        readyPayload(
          this.#store,
          session.id,
          this.#url,
          shard,
          guilds.map((g) => g.id),
        ),
      ),
    );
    // GUILD_CREATE for each guild follows READY (discord.js waits for them before `ready`); it needs the Guilds intent.
    if (intents & Intents.Guilds)
      for (const g of guilds) this.#send(session, GatewayDispatchEvents.GuildCreate, JSON.stringify(guildCreatePayload(this.#store, g)));
    this.#notify();
  }

  #resume(conn: Conn, d: unknown): void {
    const { ws } = conn;
    const data = resumeData.safeParse(d);
    if (!data.success) return void ws.close(GatewayCloseCodes.DecodeError, "Error while decoding payload.");
    const { token, session_id, seq } = data.data;
    if (stripBot(token) !== this.#store.botToken) return void ws.close(GatewayCloseCodes.AuthenticationFailed, "Authentication failed.");
    const session = this.sessions.get(session_id);
    const from = seq ?? 0;
    const oldest = session?.buffer[0]?.[0] ?? (session ? session.seq + 1 : 0);
    if (!session || from > session.seq || (from + 1 < oldest && session.seq > from)) {
      const invalid: GatewayInvalidSession = { op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null };
      ws.send(JSON.stringify(invalid));
      if (session) this.sessions.delete(session.id);
      return;
    }
    if (session.ws && session.ws !== ws) session.ws.close(4000, "Session resumed elsewhere");
    session.ws = ws;
    session.disconnectedAt = undefined;
    conn.session = session;
    for (const [s, json] of session.buffer) if (s > from) ws.send(json);
    this.#send(session, GatewayDispatchEvents.Resumed, "{}");
    this.#notify();
  }

  #requestGuildMembers(session: GatewaySession, d: unknown): void {
    const data = requestGuildMembersData.safeParse(d);
    if (!data.success) return void session.ws?.close(GatewayCloseCodes.DecodeError, "Error while decoding payload.");
    const guild = this.#store.guilds.get(data.data.guild_id);
    if (!guild) return;
    const ids = data.data.user_ids === undefined ? undefined : [data.data.user_ids].flat();
    const query = (data.data.query ?? "").toLowerCase();
    let members = Object.values(guild.members).filter((m) =>
      ids ? ids.includes(m.user_id) : (this.#store.users.get(m.user_id)?.username ?? "").toLowerCase().startsWith(query),
    );
    if (data.data.limit) members = members.slice(0, data.data.limit);
    const chunk = {
      guild_id: guild.id,
      members: members.map((m) => memberPayload(this.#store, m)),
      chunk_index: 0,
      chunk_count: 1,
      not_found: ids ? ids.filter((id) => !guild.members[id]) : undefined,
      nonce: data.data.nonce,
    };
    this.#send(session, GatewayDispatchEvents.GuildMembersChunk, JSON.stringify(chunk));
  }

  /** Sends a dispatch to every session that should get it. Returns how many sessions it reached. */
  dispatch(spec: DispatchSpec): number {
    let full: string | undefined;
    let stripped: string | undefined;
    let reached = 0;
    const now = Date.now();
    for (const s of this.sessions.values()) {
      if (s.disconnectedAt !== undefined && now - s.disconnectedAt > RESUME_WINDOW_MS) {
        this.sessions.delete(s.id);
        continue;
      }
      if (spec.intent !== undefined && (s.intents & spec.intent) === 0) continue;
      const shard = spec.guildId ? shardOf(spec.guildId, s.shard[1]) : 0;
      if (shard !== s.shard[0]) continue;
      let json: string;
      if (spec.withoutContent && (s.intents & Intents.MessageContent) === 0) json = stripped ??= JSON.stringify(spec.withoutContent());
      else json = full ??= JSON.stringify(spec.data);
      this.#send(s, spec.t, json);
      reached++;
    }
    return reached;
  }

  #send(s: GatewaySession, t: string, dataJson: string): void {
    s.seq++;
    const frame = `{"op":0,"t":"${t}","s":${s.seq},"d":${dataJson}}`;
    s.buffer.push([s.seq, frame]);
    if (s.buffer.length > REPLAY_BUFFER * 2) s.buffer.splice(0, REPLAY_BUFFER);
    if (s.ws?.readyState === WebSocket.OPEN) {
      this.#cork(s.ws);
      s.ws.send(frame);
    }
  }

  /**
   * Frames sent in the same tick leave in one write: the socket is corked until the next tick.
   * (`ws` corks per frame only; `_socket` is its underlying net.Socket — if absent, frames go out one by one.)
   */
  #cork(ws: WebSocket): void {
    const sock = (ws as unknown as { _socket?: Duplex })._socket;
    if (!sock || this.#corked.has(sock)) return;
    this.#corked.add(sock);
    sock.cork();
    process.nextTick(() => {
      this.#corked.delete(sock);
      sock.uncork();
    });
  }

  /** op 7: asks connected clients to reconnect and RESUME. */
  reconnect(sessionId?: string): number {
    const frame: GatewayReconnect = { op: GatewayOpcodes.Reconnect, d: null as never, s: null, t: null };
    return this.#each(sessionId, (s) => s.ws?.send(JSON.stringify(frame)));
  }

  /** op 9: tells clients their session is invalid; `resumable: false` forgets the session (re-IDENTIFY). */
  invalidateSession(resumable: boolean, sessionId?: string): number {
    const frame: GatewayInvalidSession = { op: GatewayOpcodes.InvalidSession, d: resumable, s: null, t: null };
    return this.#each(sessionId, (s) => {
      s.ws?.send(JSON.stringify(frame));
      if (!resumable) this.sessions.delete(s.id);
    });
  }

  /** Drops the TCP connection without a close frame's consent (like a network blip): clients RESUME. */
  dropConnections(sessionId?: string): number {
    return this.#each(sessionId, (s) => s.ws?.terminate());
  }

  #each(sessionId: string | undefined, fn: (s: GatewaySession) => void): number {
    const targets = sessionId ? [this.sessions.get(sessionId)].filter((s) => s !== undefined) : [...this.sessions.values()];
    for (const s of targets) fn(s);
    return targets.length;
  }

  /** Sessions with an open socket. */
  connected(): GatewaySession[] {
    return [...this.sessions.values()].filter((s) => s.ws?.readyState === WebSocket.OPEN);
  }

  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
  #notify(): void {
    for (const fn of [...this.#listeners]) fn();
  }

  async close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

function stripBot(token: string): string {
  return token.startsWith("Bot ") ? token.slice(4) : token;
}
