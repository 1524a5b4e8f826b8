// The core's side of a plugin's store and its argument checks, on the real memory store:
// each plugin sees only its own keys, values are sealed at rest, the quota holds, and bad
// arguments are refused with a clear error that changes nothing.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Memory } from "../../../bot/memory/store.ts";
import { baseCapabilities } from "../../../bot/plugin-host/capabilities.ts";

let dir: string;
let memory: Memory;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ouro-caps-"));
  memory = new Memory({ dataDir: dir, key: randomBytes(32) });
});
afterEach(() => {
  memory.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("plugin capabilities in the core", () => {
  it("a plugin's store is its own, sealed at rest", async () => {
    const a = baseCapabilities("alpha", { memory, allowedHosts: [] });
    const b = baseCapabilities("beta", { memory, allowedHosts: [] });
    await a("store.set", ["k", "alpha-secret-value-4411"]);
    expect(await a("store.get", ["k"])).toBe("alpha-secret-value-4411");
    expect(await b("store.get", ["k"])).toBeUndefined();
    expect(await b("store.keys", [])).toEqual([]);
    await b("store.delete", ["k"]); // deletes beta's k, of which there is none
    expect(await a("store.keys", [])).toEqual(["k"]);
    expect(readFileSync(join(dir, "memory.sqlite")).includes("alpha-secret-value-4411")).toBe(false);
  });

  it("the quota holds: past it a write is refused and nothing is written", async () => {
    const small = baseCapabilities("gamma", { memory, allowedHosts: [], storeQuota: { keys: 2, bytes: 100 } });
    await small("store.set", ["a", "1"]);
    await small("store.set", ["b", "2"]);
    await expect(small("store.set", ["c", "3"])).rejects.toThrow(/store of plugin "gamma" is full: at most 2 keys/);
    await small("store.set", ["a", "x".repeat(50)]); // replacing a key is not a new one
    await expect(small("store.set", ["b", "y".repeat(60)])).rejects.toThrow(/at most 100 bytes/);
    expect(await small("store.keys", [])).toEqual(["a", "b"]);
    expect(await small("store.get", ["b"])).toBe("2");
  });

  it("bad arguments and other ops get a clear error", async () => {
    const caps = baseCapabilities("delta", { memory, allowedHosts: ["example.com"] });
    await expect(caps("store.set", [42, "v"])).rejects.toThrow(/store.set key/);
    await expect(caps("store.set", ["k", "v".repeat(70_000)])).rejects.toThrow(/at most 64 KiB/);
    await expect(caps("reply", ["hi"])).rejects.toThrow(/reply is not available here/);
    await expect(caps("fetch", ["https://not-allowed.test/x"])).rejects.toThrow(/not in the policy's network.allowedHosts/);
    await expect(caps("fetch", ["file:///etc/passwd"])).rejects.toThrow(/only http\(s\) URLs/);
    expect(await caps("store.keys", [])).toEqual([]);
  });
});
