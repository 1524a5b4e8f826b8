// Zero-drop deploys: two bot processes (releases "a" and "b") connected at once, as during a
// deploy; the handover file decides which one answers each interaction — exactly one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBot, type Bot } from "../../bot/create-bot.ts";
import { createLogger } from "../../bot/core/logger.ts";
import { handoverGate } from "../../bot/core/handover-gate.ts";
import { ownerOf, snowflakeMs } from "../../contract/handover.ts";
import { startHarness, TEST_PLUGIN_HANG_MS, TEST_ROLES, until, type Harness } from "./harness.ts";

const EPOCH = 1420070400000n;
const idAt = (ms: number) => ((BigInt(ms) - EPOCH) << 22n).toString();

let h: Harness;
let b: Bot;
let dir: string;
let file: string;
const write = (handover: object) => {
  writeFileSync(`${file}.tmp`, JSON.stringify(handover));
  renameSync(`${file}.tmp`, file); // as the deploy hook does: atomic replace
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ouro-handover-"));
  file = join(dir, "handover.json");
  write({ release: "a", previous: null, cutoverAt: 0 });
  // Process "a" is the harness's bot; process "b" is a second bot, as a deploy starts one.
  h = await startHarness({ handover: { release: "a", file } });
  b = createBot(
    { ...h.config, dataDir: join(dir, "b"), handover: { release: "b", file } },
    { roles: TEST_ROLES, logger: createLogger("silent"), pluginHangMs: TEST_PLUGIN_HANG_MS },
  );
  await b.start();
});
afterAll(async () => {
  await b?.stop();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every /ping this process took on, whatever came of it (a second answer would fail as already acknowledged). */
const answered = (bot: Bot) =>
  ["ok", "plugin-error", "timeout", "error"].reduce(
    (n, outcome) => n + bot.context.metrics.interactions.get({ command: "ping", outcome }),
    0,
  );

describe("handover between two releases", () => {
  it("decides by the snowflake's creation time against the cutover; a missing file means all", () => {
    const hnd = { release: "b", previous: "a", cutoverAt: 1_700_000_000_000 };
    expect(snowflakeMs(idAt(1_700_000_000_000))).toBe(1_700_000_000_000);
    expect([ownerOf(hnd, idAt(1_699_999_999_999)), ownerOf(hnd, idAt(1_700_000_000_000))]).toEqual(["a", "b"]);
    expect(handoverGate("a", join(dir, "missing.json")).owns(idAt(Date.now()))).toBe(true);
    expect(handoverGate(undefined, undefined).ownsNow()).toBe(true);
  });

  it("before the switch only the live release answers; after it only the new one — never both", async () => {
    expect((await h.discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }).reply()).content).toBe("Pong!");
    await until(() => answered(h.bot) === 1, "a answered");
    expect(answered(b)).toBe(0);

    const cutoverAt = Date.now() + 150;
    write({ release: "b", previous: "a", cutoverAt });
    await new Promise((r) => setTimeout(r, cutoverAt - Date.now() + 20));
    expect(b.context.handover.ownsNow()).toBe(true);
    expect(h.bot.context.handover.ownsNow()).toBe(false);
    expect((await h.discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }).reply()).content).toBe("Pong!");
    await until(() => answered(b) === 1, "b answered");
    await new Promise((r) => setTimeout(r, 100));
    expect(answered(h.bot)).toBe(1); // a ignored the event it no longer owns
  });
});
