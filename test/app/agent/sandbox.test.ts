import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canDropPrivileges, canIsolateNetwork, runNodeSandboxed, shareReadOnly } from "../../../app/agent/sandbox.ts";

const dir = mkdtempSync(join(tmpdir(), "ouro-sandbox-test-"));
shareReadOnly(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const limits = { cwd: dir, timeoutMs: 10_000, memoryMb: 256 };

describe("agent sandbox", () => {
  it("gives the child only a scrubbed environment (no tokens or keys)", async () => {
    process.env.OURO_TEST_SECRET_TOKEN = "ghp_shouldNeverLeak";
    process.env.OPENAI_API_KEY_TEST = "sk-never";
    writeFileSync(join(dir, "env.mjs"), "console.log(JSON.stringify(process.env))");
    const r = await runNodeSandboxed([join(dir, "env.mjs")], limits);
    delete process.env.OURO_TEST_SECRET_TOKEN;
    delete process.env.OPENAI_API_KEY_TEST;
    expect(r.code).toBe(0);
    const env = JSON.parse(r.stdout) as Record<string, string>;
    expect(Object.keys(env).sort()).toEqual(["CI", "FORCE_COLOR", "HOME", "NODE_ENV", "NODE_OPTIONS", "NO_COLOR", "PATH", "TMPDIR"]);
    expect(env.NODE_ENV).toBe("test");
    expect(env.HOME).not.toBe(process.env.HOME);
    expect(env.NODE_OPTIONS).toBe("--max-old-space-size=256");
    expect(r.stdout).not.toContain("ghp_");
  });

  it("kills a child that runs past its time limit", async () => {
    writeFileSync(join(dir, "spin.mjs"), "setInterval(() => {}, 1000)");
    const r = await runNodeSandboxed([join(dir, "spin.mjs")], { ...limits, timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.durationMs).toBeLessThan(5000);
  });

  it("stops a check its caller aborts at once, and nothing of it is left running", async () => {
    // a check that would run until its (long) time limit, with a child of its own
    writeFileSync(
      join(dir, "linger.mjs"),
      `import { spawn } from "node:child_process";
      import { readlinkSync } from "node:fs";
      spawn("/bin/sh", ["-c", "sleep 600"], { stdio: "ignore" });
      process.stderr.write("pidns " + readlinkSync("/proc/self/ns/pid") + "\\n");
      setInterval(() => {}, 1000);`,
    );
    const stop = new AbortController();
    let heard = "";
    const r = await runNodeSandboxed([join(dir, "linger.mjs")], {
      ...limits,
      timeoutMs: 120_000,
      abort: stop.signal,
      onStderr: (chunk) => {
        heard += chunk;
        if (heard.includes("\n")) stop.abort(); // it is running: stop it
      },
    });
    expect(r.timedOut).toBe(false);
    expect(r.stopped).toBe("its caller stopped it; all its processes were stopped");
    expect(r.stderr).toContain("agent sandbox: stopped: its caller stopped it");
    const ns = /pidns (\S+)/.exec(heard)![1];
    const left = readdirSync("/proc").filter((pid) => {
      try {
        return /^[0-9]+$/.test(pid) && readlinkSync(`/proc/${pid}/ns/pid`) === ns;
      } catch {
        return false;
      }
    });
    if (canIsolateNetwork()) expect(left).toEqual([]); // its pid namespace is gone, the sleeping shell with it
  });

  it("runs as nobody when we are root, so it cannot write our files", async () => {
    writeFileSync(join(dir, "victim.txt"), "original");
    writeFileSync(
      join(dir, "write.mjs"),
      `import { writeFileSync } from "node:fs"; try { writeFileSync(${JSON.stringify(join(dir, "victim.txt"))}, "pwned"); console.log("wrote"); } catch (e) { console.log("error " + e.code); } console.log("uid " + process.getuid());`,
    );
    const r = await runNodeSandboxed([join(dir, "write.mjs")], limits);
    if (canDropPrivileges()) {
      expect(r.user).toBe("nobody");
      expect(r.stdout).toMatch(/error EACCES/);
      expect(r.stdout).toMatch(/uid 65534/);
      expect(readFileSync(join(dir, "victim.txt"), "utf8")).toBe("original");
    } else {
      expect(r.user).toBe("self");
    }
  });

  it("as root, a script nobody cannot read (a private parent directory) is not run, and never as root instead", async () => {
    const hidden = mkdtempSync(join(tmpdir(), "ouro-sandbox-private-")); // 0700
    try {
      writeFileSync(join(hidden, "hi.mjs"), "console.log('ran as ' + process.getuid())");
      const warnings: string[] = [];
      const r = await runNodeSandboxed([join(hidden, "hi.mjs")], limits, (m) => warnings.push(m));
      if (canDropPrivileges()) {
        expect(r.code).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(/cannot run as nobody, who cannot read .*hi\.mjs.*not run as root instead.*chmod o\+rx/);
        expect(warnings.join("\n")).toContain(r.stderr);
      } else {
        expect(r.stdout).toContain(`ran as ${process.getuid!()}`); // not root: it runs as our own user, as before
      }
    } finally {
      rmSync(hidden, { recursive: true, force: true });
    }
  });

  it("cuts the network when the OS allows it", async () => {
    const server = createServer((s) => s.end("hi"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    writeFileSync(
      join(dir, "net.mjs"),
      `import { connect } from "node:net"; const s = connect(${port}, "127.0.0.1"); s.on("connect", () => { console.log("connected"); s.destroy(); }); s.on("error", (e) => console.log("error " + e.code));`,
    );
    const r = await runNodeSandboxed([join(dir, "net.mjs")], limits);
    server.close();
    if (canIsolateNetwork()) {
      expect(r.network).toBe("none");
      expect(r.stdout).toMatch(/error E/);
    } else {
      expect(r.network).toBe("host");
    }
  });
});
