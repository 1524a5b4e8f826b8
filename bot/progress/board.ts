// Keeps each change's progress message up to date from the app's progress events.
// Where the message lives is stored in memory, so progress resumes after a restart; edits per
// change are serialized, and an event older than the one shown (a replay after a restart) is
// skipped, so the message never goes back in time. "Older" is by the app's stream order (its
// sequence number), not its clock: replicas' clocks may differ, their order of storing may not.
// Every shard hears every event: each keeps the refs it has read or written (write-through), so
// an event costs a shard no read of the memory once it knows the change, and a shard that does
// not own the change's guild no write.
import type { Client } from "discord.js";
import type { Memory, ProgressMessageRef } from "../memory/store.ts";
import type { ProgressEvent } from "../../contract/app-link.ts";
import { progressEventSchema } from "../../contract/app-link.ts";
import { renderProgress } from "./render.ts";
import type { Logger } from "../core/logger.ts";

/** Refs kept per process: the changes under way at once, with room to spare. */
const MAX_REFS = 5000;

interface Detail {
  title: string;
  event?: ProgressEvent;
  /** The app's time of the newest event applied (not the bot's placeholder before any). */
  seen?: string;
  /** The stream's sequence number of the newest event applied, when the link gave one. */
  seq?: number;
}

export class ProgressBoard {
  private chains = new Map<string, Promise<void>>();
  /** Events that arrived before their message was registered. */
  private early = new Map<string, { event: ProgressEvent; seq?: number }>();
  /** Refs of the changes this process edits, as last written here (write-through; oldest first). */
  private refs = new Map<string, ProgressMessageRef>();
  /** Changes whose message another shard edits: the guild it is in (null: a DM). */
  private elsewhere = new Map<string, string | null>();
  private client: Client;
  private memory: Memory;
  private log: Logger;
  /** Resolves after each applied edit (for tests and the benchmark). */
  onApplied?: (changeId: string, event: ProgressEvent) => void;
  /** With sharding, every shard hears every event; only the guild's shard edits (DMs: shard 0). */
  private owns: (guildId: string | undefined) => boolean;

  constructor(client: Client, memory: Memory, log: Logger, owns: (guildId: string | undefined) => boolean = () => true) {
    this.client = client;
    this.memory = memory;
    this.log = log;
    this.owns = owns;
  }

  private enqueue(changeId: string, job: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(changeId) ?? Promise.resolve()).then(job).catch((err) => {
      this.log.warn({ err, changeId }, "progress update failed");
    });
    this.chains.set(changeId, next);
    void next.then(() => {
      if (this.chains.get(changeId) === next) this.chains.delete(changeId);
    });
    return next;
  }

  /** Records where a change's progress is shown and renders what is known so far. */
  register(
    changeId: string,
    title: string,
    where: { guildId?: string; channelId: string; messageId: string },
    trackingIssueUrl?: string,
  ): Promise<void> {
    const { guildId, channelId, messageId } = where;
    const { event, seq } = this.early.get(changeId) ?? {};
    this.early.delete(changeId);
    const detail: Detail = {
      title,
      event: event ?? (trackingIssueUrl ? { changeId, state: "queued", at: new Date().toISOString(), trackingIssueUrl } : undefined),
      seen: event?.at,
      seq,
    };
    this.remember({
      changeId,
      guildId,
      channelId,
      messageId,
      state: detail.event?.state ?? "queued",
      detail: JSON.stringify(detail),
    });
    if (!event) return Promise.resolve();
    return this.enqueue(changeId, () => this.edit(changeId, channelId, messageId, detail));
  }

  /** Applies a progress event; `seq` is its place in the app's stream (the SSE id), when known. */
  handle(event: ProgressEvent, seq?: number): Promise<void> {
    return this.enqueue(event.changeId, async () => {
      const away = this.elsewhere.get(event.changeId);
      if (away !== undefined && !this.owns(away ?? undefined)) return; // another shard's: nothing to read
      const ref = this.refs.get(event.changeId) ?? this.memory.progressMessage(event.changeId);
      if (!ref) {
        this.early.set(event.changeId, { event, seq });
        if (this.early.size > 1000) this.early.delete(this.early.keys().next().value!);
        return;
      }
      if (!this.owns(ref.guildId)) {
        this.refs.delete(ref.changeId); // if this process owns it again, it reads it afresh
        bounded(this.elsewhere, ref.changeId, ref.guildId ?? null);
        return;
      }
      this.elsewhere.delete(ref.changeId);
      const prev = parseDetail(ref.detail);
      if (isReplay(prev, event, seq)) return; // already showing something newer
      // Later events may omit what earlier ones said (PR url, tracking issue, risk).
      const merged: ProgressEvent = {
        ...event,
        prUrl: event.prUrl ?? prev.event?.prUrl,
        trackingIssueUrl: event.trackingIssueUrl ?? prev.event?.trackingIssueUrl,
        risk: event.risk ?? prev.event?.risk,
        votes: event.votes ?? prev.event?.votes,
      };
      const detail: Detail = { title: prev.title, event: merged, seen: event.at, seq };
      this.remember({ ...ref, state: event.state, detail: JSON.stringify(detail) });
      await this.edit(event.changeId, ref.channelId, ref.messageId, detail);
    });
  }

  /** Writes a ref to the memory (it survives a restart) and keeps it here. */
  private remember(ref: ProgressMessageRef): void {
    this.memory.setProgressMessage(ref);
    this.elsewhere.delete(ref.changeId);
    bounded(this.refs, ref.changeId, ref);
  }

  private async edit(changeId: string, channelId: string, messageId: string, detail: Detail): Promise<void> {
    const channel = await this.client.channels.fetch(channelId);
    if (!channel?.isTextBased()) throw new Error(`progress channel ${channelId} is gone`);
    await channel.messages.edit(messageId, renderProgress(changeId, detail.title, detail.event));
    if (detail.event) this.onApplied?.(changeId, detail.event);
  }

  /** Waits for pending edits (used on shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}

/** Sets key (as the newest) and drops the oldest entry past MAX_REFS. */
function bounded<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REFS) map.delete(map.keys().next().value!);
}

/**
 * Whether `event` is older than what the message shows: by the stream's order when both have
 * a sequence number (a takeover by a replica whose clock is behind is still newer), else (a
 * message written before sequence numbers were kept) by the app's time.
 */
function isReplay(prev: Detail, event: ProgressEvent, seq: number | undefined): boolean {
  if (seq !== undefined && prev.seq !== undefined) return seq <= prev.seq;
  return prev.seen !== undefined && Date.parse(event.at) < Date.parse(prev.seen);
}

function parseDetail(raw: string | undefined): Detail {
  if (!raw) return { title: "" };
  try {
    const d = JSON.parse(raw) as { title?: unknown; event?: unknown; seen?: unknown; seq?: unknown };
    const ev = progressEventSchema.safeParse(d.event);
    return {
      title: typeof d.title === "string" ? d.title : "",
      event: ev.success ? ev.data : undefined,
      seen: typeof d.seen === "string" ? d.seen : undefined,
      ...(Number.isSafeInteger(d.seq) ? { seq: d.seq as number } : {}),
    };
  } catch {
    return { title: "" };
  }
}
