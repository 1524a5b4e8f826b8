import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSettings, resolveSettings } from "../../contract/settings.ts";

describe("bot settings", () => {
  it("bot/plugins/settings.json is valid against the core schema", () => {
    expect(() => loadSettings()).not.toThrow();
  });

  it("reject unknown keys and bad values with the key named", () => {
    expect(() => resolveSettings({ tone: "rude" })).toThrow(/tone/);
    expect(() => resolveSettings({ nope: 1 })).toThrow(/nope|Unrecognized/);
  });

  it("a file that is not JSON is a clear error; a missing one means the defaults", () => {
    const dir = mkdtempSync(join(tmpdir(), "ouro-settings-"));
    writeFileSync(join(dir, "bad.json"), "export const settings = {}");
    expect(() => loadSettings(join(dir, "bad.json"))).toThrow(/settings\.json: not JSON/);
    expect(loadSettings(join(dir, "missing.json")).tone).toBe("friendly");
  });
});
