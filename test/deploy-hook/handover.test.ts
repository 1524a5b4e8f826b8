import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { handoverGate } from "../../bot/core/handover-gate.ts";
import { ownerOf, snowflakeMs } from "../../contract/handover.ts";
import { writeHandover, handoverFile, readHandover } from "../../deploy-hook/handover-file.ts";

const EPOCH = 1420070400000n;
const idAt = (ms: number, inc = 0) => (((BigInt(ms) - EPOCH) << 22n) | BigInt(inc)).toString();

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("handover.json: written by the hook, read by the bot", () => {
  it("reads Discord's creation time out of a snowflake", () => {
    expect(snowflakeMs(idAt(1_700_000_000_123, 77))).toBe(1_700_000_000_123);
    expect(snowflakeMs("175928847299117063")).toBe(1462015105796); // Discord's documented example
  });

  it("gives each event to exactly one of the two processes, by creation time against the cutover", () => {
    const h = { release: "new", previous: "old", cutoverAt: 1_700_000_000_000 };
    const ids = [idAt(1_699_999_999_999), idAt(1_700_000_000_000), idAt(1_700_000_000_001, 5)];
    expect(ids.map((id) => ownerOf(h, id))).toEqual(["old", "new", "new"]);
    expect(ownerOf({ ...h, previous: null }, ids[0])).toBeNull();
  });

  it("makes two bot processes agree through the file; the newest file wins; no file → own everything", () => {
    dir = mkdtempSync(join(tmpdir(), "ouro-handover-"));
    const file = handoverFile(dir);
    const oldGate = handoverGate("old", file);
    const newGate = handoverGate("new", file);
    const before = idAt(Date.now() - 1000);
    expect([oldGate.owns(before), newGate.owns(before)]).toEqual([true, true]); // no file yet: a bot run by hand
    writeHandover(dir, { release: "old", previous: null, cutoverAt: 0 });
    expect([oldGate.owns(before), newGate.owns(before)]).toEqual([true, false]); // new is on standby
    const cut = Date.now() + 200;
    writeHandover(dir, { release: "new", previous: "old", cutoverAt: cut });
    expect(readHandover(dir)).toEqual({ release: "new", previous: "old", cutoverAt: cut });
    for (const id of [before, idAt(cut - 1), idAt(cut), idAt(cut + 5000)]) {
      expect([oldGate.owns(id), newGate.owns(id)].filter(Boolean)).toHaveLength(1);
    }
    expect(newGate.owns(idAt(cut))).toBe(true);
    expect(oldGate.owns(idAt(cut - 1))).toBe(true);
    expect(handoverGate(undefined, undefined).owns(before)).toBe(true);
  });
});
