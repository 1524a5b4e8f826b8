import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  atomicWrite,
  normalizeRepoPath,
  PathRefused,
  resolveReadable,
  resolveWritable,
  type WriteGuard,
} from "../../../app/agent/paths.ts";

const root = mkdtempSync(join(tmpdir(), "ouro-paths-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const onlyPlugins: WriteGuard = (rel) => (rel.startsWith("bot/plugins/") ? undefined : `${rel} is not editable`);

describe("agent path guard", () => {
  it("normalizes harmless forms", () => {
    expect(normalizeRepoPath("./bot/plugins/x.ts")).toBe("bot/plugins/x.ts");
    expect(normalizeRepoPath("bot//plugins/x.ts")).toBe("bot/plugins/x.ts");
  });

  it.each([
    "../etc/passwd",
    "bot/../../x",
    "/etc/passwd",
    "C:/x",
    "~/x",
    ".git/config",
    "bot/.git/x",
    "node_modules/x/index.js",
    "a\\b",
    "a\u0000b",
    "",
  ])("refuses %j", (p) => {
    expect(() => normalizeRepoPath(p)).toThrow(PathRefused);
  });

  it("refuses writes outside the guard and through symlinks, and writes atomically inside", () => {
    expect(() => resolveWritable(root, "policies/ouro.yml", onlyPlugins)).toThrow(/not editable/);
    mkdirSync(join(root, "bot/plugins"), { recursive: true });
    mkdirSync(join(root, "outside"));
    symlinkSync(join(root, "outside"), join(root, "bot/plugins/link"));
    expect(() => resolveWritable(root, "bot/plugins/link/evil.ts", onlyPlugins)).toThrow(/symlink/);
    expect(() => resolveReadable(root, "bot/plugins/link/evil.ts")).toThrow(/symlink/);
    const rel = resolveWritable(root, "bot/plugins/new/index.ts", onlyPlugins);
    atomicWrite(root, rel, "export {};\n");
    expect(readFileSync(join(root, rel), "utf8")).toBe("export {};\n");
    expect(existsSync(join(root, "outside/evil.ts"))).toBe(false);
    writeFileSync(join(root, "bot/plugins/new/keep.ts"), "x");
  });
});
