// Issue 15: every shard hears every progress event, and on PostgreSQL each memory statement is
// a round trip the shard's event loop waits for. Counted here with the memory's own statement
// counter, on SQLite and on a real PostgreSQL server: a shard that does not own a change reads
// its ref once, not once per event; the owner writes each event once and reads nothing; the
// stream position is written at most once per interval, and the newest on stop; a replay after
// a restart never moves a message back in time. Counts, not timings: they hold on any machine.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { TextChannel } from "discord.js";
import { Memory } from "../../bot/memory/store.ts";
import { ProgressBoard } from "../../bot/progress/board.ts";
import { streamPosition } from "../../bot/app-link/stream-position.ts";
import { createLogger } from "../../bot/core/logger.ts";
import type { ProgressEvent } from "../../contract/app-link.ts";
import { freshSchema, postgresDatabase } from "../helpers/postgres.ts";
import { startHarness, until, type Harness } from "./harness.ts";

let h: Harness;
let database: string;
beforeAll(async () => {
  [h, database] = await Promise.all([startHarness(), postgresDatabase()]);
});
afterAll(async () => {
  await h?.close();
});

const EVENTS = 30;
const log = createLogger("silent");
const STATES = ["queued", "working", "review"] as const;
/** The i-th event of a change, one second apart in the app's clock. */
const eventOf = (changeId: string, i: number): ProgressEvent => ({
  changeId,
  state: STATES[Math.min(i, STATES.length - 1)],
  message: `step ${i}`,
  at: new Date(Date.parse("2026-12-03T10:00:00Z") + i * 1000).toISOString(),
});
const embedText = (id: string) => JSON.stringify(h.discord.driver.message(id)?.embeds ?? []);

describe.each([
  { name: "sqlite", postgres: false },
  { name: "postgres", postgres: true },
])("progress events on $name: memory statements per event", (engine) => {
  let dir: string;
  let memory: Memory;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ouro-rt-"));
    memory = new Memory({ dataDir: dir, key: randomBytes(32), databaseUrl: engine.postgres ? freshSchema(database) : undefined });
  });
  afterEach(() => {
    memory.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a shard that does not own the change's guild reads its ref once, then nothing per event", async () => {
    memory.setProgressMessage({ changeId: "chg-away", guildId: "111", channelId: "222", messageId: "333", state: "queued" });
    const board = new ProgressBoard(h.bot.client, memory, log, () => false);
    const before = memory.statements;
    for (let i = 0; i < EVENTS; i++) await board.handle(eventOf("chg-away", i));
    expect(memory.statements - before).toBe(1);
  });

  it("the owner writes each event once, reads nothing, and its message ends on the newest event", async () => {
    const channel = (await h.bot.client.channels.fetch(h.discord.guild.channels.general)) as TextChannel;
    const message = await channel.send("progress");
    const board = new ProgressBoard(h.bot.client, memory, log);
    await board.register("chg-own", "round trips", { guildId: h.discord.guild.id, channelId: channel.id, messageId: message.id });
    const before = memory.statements;
    for (let i = 0; i < EVENTS; i++) await board.handle(eventOf("chg-own", i));
    expect(memory.statements - before).toBe(EVENTS);
    await until(() => embedText(message.id).includes(`step ${EVENTS - 1}`), "the newest event shown");
    // what was written survives: a new board (a restart) finds the newest state in the memory
    expect(memory.progressMessage("chg-own")?.detail).toContain(`step ${EVENTS - 1}`);
  });

  it("after a restart, events sent again (older than the one shown) do not move the message back", async () => {
    const channel = (await h.bot.client.channels.fetch(h.discord.guild.channels.general)) as TextChannel;
    const message = await channel.send("progress");
    const first = new ProgressBoard(h.bot.client, memory, log);
    await first.register("chg-replay", "replay", { guildId: h.discord.guild.id, channelId: channel.id, messageId: message.id });
    for (let i = 0; i < 5; i++) await first.handle(eventOf("chg-replay", i));
    await until(() => embedText(message.id).includes("step 4"), "step 4 shown");
    const restarted = new ProgressBoard(h.bot.client, memory, log);
    let applied = 0;
    restarted.onApplied = () => applied++;
    for (let i = 2; i < 5; i++) await restarted.handle(eventOf("chg-replay", i)); // the stream resumed from an older position
    expect(applied).toBe(1); // step 4 again (the same time): shown; steps 2 and 3 skipped
    await restarted.handle(eventOf("chg-replay", 5));
    await until(() => embedText(message.id).includes("step 5"), "the next new event shown");
    expect(applied).toBe(2);
  });

  it("with the stream's numbers, order is the stream's: a replay is skipped, a replica with a slow clock is not", async () => {
    const channel = (await h.bot.client.channels.fetch(h.discord.guild.channels.general)) as TextChannel;
    const message = await channel.send("progress");
    const first = new ProgressBoard(h.bot.client, memory, log);
    await first.register("chg-seq", "seq", { guildId: h.discord.guild.id, channelId: channel.id, messageId: message.id });
    for (let i = 0; i < 5; i++) await first.handle(eventOf("chg-seq", i), 100 + i);
    await until(() => embedText(message.id).includes("step 4"), "step 4 shown");
    const restarted = new ProgressBoard(h.bot.client, memory, log);
    let applied = 0;
    restarted.onApplied = () => applied++;
    for (let i = 2; i < 5; i++) await restarted.handle(eventOf("chg-seq", i), 100 + i); // sent again after the restart
    expect(applied).toBe(0); // all already shown, step 4 too: its number says so
    // The replica that took the change over stamps its event a minute behind the dead one's clock.
    const behind = { ...eventOf("chg-seq", 5), at: new Date(Date.parse(eventOf("chg-seq", 4).at) - 60_000).toISOString() };
    await restarted.handle(behind, 105);
    await until(() => embedText(message.id).includes("step 5"), "the taken-over change's event shown");
    expect(applied).toBe(1);
    // An event that arrived before its message was registered keeps its number too.
    const early = await channel.send("progress");
    await restarted.handle(eventOf("chg-early", 3), 300);
    await restarted.register("chg-early", "early", { guildId: h.discord.guild.id, channelId: channel.id, messageId: early.id });
    await until(() => embedText(early.id).includes("step 3"), "the early event shown");
    await restarted.handle(eventOf("chg-early", 2), 299); // older: skipped (handle resolves after any edit)
    expect(embedText(early.id)).toContain("step 3");
    // newer by its number, though stamped earlier: shown only if the early event's number was kept
    await restarted.handle({ ...eventOf("chg-early", 4), at: eventOf("chg-early", 0).at }, 301);
    await until(() => embedText(early.id).includes("step 4"), "the newer event shown");
  });

  it("the stream position is written at most once per interval, and the newest one on flush", () => {
    const position = streamPosition(memory, "pos", 60_000);
    const before = memory.statements;
    for (let i = 1; i <= EVENTS; i++) position.advance(String(i));
    expect(memory.statements - before).toBe(1); // the first at once; the rest wait for the interval
    expect(memory.meta("pos")).toBe("1");
    position.flush();
    expect(memory.meta("pos")).toBe(String(EVENTS));
    expect(streamPosition(memory, "pos").stored).toBe(String(EVENTS)); // where a restart resumes
  });
});
