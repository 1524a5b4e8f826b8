// A native program run in the sandbox in place of our Node (SandboxOptions.program: how
// tsgo's binary runs, without its Node launcher) gets the same sandbox: the scrubbed
// environment only, the sandbox's user, no network but loopback, the host's files read-only.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canDropPrivileges, canIsolateNetwork, runNodeSandboxed, shareReadOnly } from "../../../app/agent/sandbox.ts";

const dir = mkdtempSync(join(tmpdir(), "ouro-sandbox-program-"));
const outside = mkdtempSync(join(tmpdir(), "ouro-sandbox-program-host-"));
shareReadOnly(dir);
shareReadOnly(outside);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});
const limits = { cwd: dir, timeoutMs: 10_000, memoryMb: 256 };

describe.skipIf(!canIsolateNetwork())("a native program in the sandbox", () => {
  it("sees only the scrubbed environment", async () => {
    process.env.OURO_TEST_SECRET_TOKEN = "ghp_shouldNeverLeak";
    try {
      const r = await runNodeSandboxed([], { ...limits, program: "/usr/bin/env" });
      expect(r.code, r.stderr).toBe(0);
      const keys = r.stdout
        .trim()
        .split("\n")
        .map((l) => l.split("=")[0])
        .sort();
      expect(keys).toEqual(["CI", "FORCE_COLOR", "HOME", "NODE_ENV", "NODE_OPTIONS", "NO_COLOR", "PATH", "TMPDIR"]);
      expect(r.stdout).not.toContain("ghp_");
    } finally {
      delete process.env.OURO_TEST_SECRET_TOKEN;
    }
  });

  it("runs as the sandbox's user, with no network namespace of the host's and our files read-only", async () => {
    const victim = join(outside, "victim.txt");
    writeFileSync(victim, "original", { mode: 0o666 });
    const script = join(dir, "probe.sh");
    writeFileSync(
      script,
      `#!/bin/sh\nid -u\nsed -n '3,$p' /proc/net/dev | cut -d: -f1 | tr -d ' '\n(echo pwned > ${JSON.stringify(victim)}) 2>/dev/null && echo wrote || echo refused\n`,
      { mode: 0o755 },
    );
    const r = await runNodeSandboxed([], { ...limits, program: script });
    expect(r.code, r.stderr).toBe(0);
    const [uid, ...rest] = r.stdout.trim().split("\n");
    if (canDropPrivileges()) expect(uid).toBe("65534");
    expect(rest.slice(0, -1)).toEqual(["lo"]);
    expect(rest.at(-1)).toBe("refused");
    expect(readFileSync(victim, "utf8")).toBe("original");
    expect(r.network).toBe("none");
  });
});
