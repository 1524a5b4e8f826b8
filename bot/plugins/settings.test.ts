import { describe, expect, it } from "vitest";
import { resolveSettings } from "../core/settings.ts";
import { settings } from "./settings.ts";

describe("bot settings", () => {
  it("are valid against the core schema", () => {
    expect(() => resolveSettings(settings)).not.toThrow();
  });

  it("reject unknown keys and bad values with the key named", () => {
    expect(() => resolveSettings({ tone: "rude" })).toThrow(/tone/);
    expect(() => resolveSettings({ nope: 1 })).toThrow(/nope|Unrecognized/);
  });
});
