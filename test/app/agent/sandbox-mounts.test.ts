// The sandbox's set-up program (sandbox-mounts.ts): one process builds the whole mount
// namespace, fails closed when a step fails, and finds its mounts in the mount table even
// when their paths need escaping there.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SETUP_FAILED, setupCommand, setupSyscalls } from "../../../app/agent/sandbox-mounts.ts";
import { NOBODY, canDropPrivileges, canIsolateNetwork, runNodeSandboxed, shareReadOnly } from "../../../app/agent/sandbox.ts";

const dir = mkdtempSync(join(tmpdir(), "ouro-sandbox-mounts-"));
shareReadOnly(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const limits = { cwd: dir, timeoutMs: 20_000, memoryMb: 256 };
const isolated = canIsolateNetwork();

describe("sandbox set-up", () => {
  it("is one process: inside, the namespace holds only the set-up (pid 1, waiting) and the check", async () => {
    expect(isolated, "this test needs namespaces").toBe(true);
    writeFileSync(
      join(dir, "procs.mjs"),
      `import { readFileSync, readdirSync } from "node:fs";
      const pids = readdirSync("/proc").filter((d) => /^[0-9]+$/.test(d));
      const cmd = (pid) => readFileSync("/proc/" + pid + "/cmdline", "utf8").split("\\0")[0];
      console.log(JSON.stringify({ procs: pids.map(cmd), self: process.pid }));`,
    );
    const r = await runNodeSandboxed([join(dir, "procs.mjs")], limits);
    expect(r.stderr).toBe("");
    const seen = JSON.parse(r.stdout) as { procs: string[]; self: number };
    expect(seen.procs).toEqual(["perl", process.execPath]);
    expect(seen.self).toBe(2);
  }, 60_000);

  it("fails closed: a step that fails stops it with a plain-words reason, and the check never runs", () => {
    expect(isolated, "this test needs namespaces").toBe(true);
    const root = mkdtempSync(join(tmpdir(), "ouro-sandbox-mounts-root-"));
    const ran = join(dir, "ran-half-isolated");
    try {
      const setup = setupCommand({ root, cwd: dir, readable: [], hidden: [], tmpMb: 16, pidsCgroup: join(dir, "no-such-cgroup") }, [
        "/bin/sh",
        "-c",
        `: > ${JSON.stringify(ran)}`,
      ]);
      if (!Array.isArray(setup)) throw new Error(setup.error);
      const user = process.getuid?.() === 0 ? [] : ["--user", "--map-root-user"];
      const r = spawnSync("unshare", [...user, "--net", "--mount", "--pid", "--fork", "--kill-child", "--", ...setup], {
        encoding: "utf8",
        env: { PATH: "/usr/bin:/bin" },
      });
      expect(r.status).toBe(SETUP_FAILED);
      expect(r.stderr).toMatch(/^agent sandbox: could not isolate the check \(joining its process-limit cgroup: .+\); it was not run\n$/);
      expect(existsSync(ran)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("keeps a read-only path whose name the mount table escapes (a space) readable, and read-only", async () => {
    expect(isolated, "this test needs namespaces").toBe(true);
    const spaced = join(dir, "a config dir");
    mkdirSync(spaced);
    chmodSync(spaced, 0o777); // writable to anyone on the host: only the mount keeps the check out
    writeFileSync(join(spaced, "settings.txt"), "kept");
    chmodSync(join(spaced, "settings.txt"), 0o666);
    const work = join(dir, "work");
    mkdirSync(work);
    chmodSync(work, 0o755);
    writeFileSync(
      join(work, "spaced.mjs"),
      `import { readFileSync, writeFileSync } from "node:fs";
      const attempt = (f) => { try { return f(); } catch (e) { return "error " + e.code; } };
      console.log(JSON.stringify({
        read: attempt(() => readFileSync(${JSON.stringify(join(spaced, "settings.txt"))}, "utf8")),
        write: attempt(() => (writeFileSync(${JSON.stringify(join(spaced, "settings.txt"))}, "changed"), "wrote")),
      }));`,
    );
    const r = await runNodeSandboxed([join(work, "spaced.mjs")], { ...limits, cwd: work, readable: [spaced] });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ read: "kept", write: "error EROFS" });
    expect(readFileSync(join(spaced, "settings.txt"), "utf8")).toBe("kept");
  }, 60_000);

  it("refuses a check whose worktree's node_modules an earlier check repointed at a hidden secret", async () => {
    expect(isolated && canDropPrivileges(), "this test needs namespaces and root").toBe(true);
    // A secret any user may read on the host: only the sandbox's hiding keeps it from the check.
    const secrets = join(dir, "app-data");
    mkdirSync(secrets, { mode: 0o755 });
    writeFileSync(join(secrets, "secret.txt"), "data-secret", { mode: 0o644 });
    // A worktree the check may write (as the app's own user can without root), linked to the shared node_modules.
    const wt = join(dir, "wt-relinked");
    mkdirSync(wt, { mode: 0o755 });
    chownSync(wt, NOBODY, NOBODY);
    const modules = join(import.meta.dirname, "../../../node_modules");
    symlinkSync(modules, join(wt, "node_modules"), "dir");
    const run = (body: string) => {
      const file = join(wt, `step${body.length}.mjs`);
      writeFileSync(file, body, { mode: 0o644 });
      const warnings: string[] = [];
      return runNodeSandboxed([file], { ...limits, cwd: wt, hidden: [secrets] }, (m) => warnings.push(m)).then((r) => ({ r, warnings }));
    };
    const first = await run(
      `import { symlinkSync, unlinkSync } from "node:fs"; unlinkSync("node_modules"); symlinkSync(${JSON.stringify(secrets)}, "node_modules"); console.log("relinked");`,
    );
    expect(first.r.stdout).toBe("relinked\n");
    expect(readlinkSync(join(wt, "node_modules"))).toBe(secrets);
    const second = await run(
      `import { readFileSync } from "node:fs"; console.log(readFileSync(${JSON.stringify(join(secrets, "secret.txt"))}, "utf8"));`,
    );
    expect(second.r).toMatchObject({ isolation: "refused", code: 1, stdout: "" });
    expect(second.r.stderr).toBe(
      `agent sandbox: the checks were not run: ${secrets} cannot be kept readable in the sandbox: it is one of the paths hidden from the checks`,
    );
    expect(second.warnings).toEqual([second.r.stderr]);
  }, 60_000);

  it("hides a secret inside the worktree too: covered again after the worktree's bind, and sealed", async () => {
    expect(isolated, "this test needs namespaces").toBe(true);
    const wt = join(dir, "wt-with-secrets");
    mkdirSync(join(wt, "keys"), { recursive: true, mode: 0o777 });
    chmodSync(wt, 0o777);
    writeFileSync(join(wt, "keys", "key.pem"), "key-secret", { mode: 0o666 });
    writeFileSync(join(wt, ".env"), "TOKEN=env-secret", { mode: 0o666 });
    writeFileSync(
      join(wt, "peek.mjs"),
      `import { readFileSync, writeFileSync } from "node:fs";
      const attempt = (f) => { try { return f(); } catch (e) { return "error " + e.code; } };
      console.log(JSON.stringify({
        key: attempt(() => readFileSync("keys/key.pem", "utf8")),
        env: attempt(() => readFileSync(".env", "utf8")),
        plant: attempt(() => (writeFileSync("keys/planted", "x"), "wrote")),
        worktree: attempt(() => (writeFileSync("out.txt", "x"), "wrote")),
      }));`,
      { mode: 0o644 },
    );
    const r = await runNodeSandboxed([join(wt, "peek.mjs")], { ...limits, cwd: wt, hidden: [join(wt, "keys"), join(wt, ".env")] });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ key: "error ENOENT", env: "", plant: "error EROFS", worktree: "wrote" });
    expect(existsSync(join(wt, "keys", "planted"))).toBe(false);
  }, 60_000);

  it("refuses to keep a path that would cover its private mounts or the worktree", () => {
    const plan = { root: dir, cwd: join(dir, "wt"), hidden: [], tmpMb: 16 };
    expect(setupCommand({ ...plan, readable: ["/"] }, ["true"])).toEqual({
      error: "/ cannot be kept readable in the sandbox: it would cover /proc",
    });
    expect(setupCommand({ ...plan, readable: ["/tmp"] }, ["true"])).toEqual({
      error: "/tmp cannot be kept readable in the sandbox: it would cover /tmp",
    });
    expect(setupCommand({ ...plan, readable: [dir] }, ["true"])).toEqual({
      error: `${dir} cannot be kept readable in the sandbox: it would cover the worktree`,
    });
  });

  it("where perl is missing, refuses the checks and says to install it", () => {
    expect(process.getuid?.(), "this test hides perl with a mount, as root").toBe(0);
    const ran = join(dir, "ran-without-perl");
    writeFileSync(join(dir, "touch.mjs"), `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(ran)}, "ran");`);
    const perl = spawnSync("/bin/sh", ["-c", "command -v perl"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } }).stdout.trim();
    const request = JSON.stringify({ args: [join(dir, "touch.mjs")], opts: limits });
    // the sandbox driver in a mount namespace of its own where perl is an empty, unexecutable file
    const hide = `mount --bind /dev/null ${JSON.stringify(perl)} && exec "$@"`;
    const r = spawnSync(
      "unshare",
      ["--mount", "--", "/bin/sh", "-c", hide, "hide-perl", process.execPath, join(import.meta.dirname, "sandbox-driver.ts"), request],
      { encoding: "utf8", env: { PATH: process.env.PATH! } },
    );
    expect(r.stderr).toBe("");
    const { result, warnings } = JSON.parse(r.stdout) as { result: { isolation: string; stderr: string }; warnings: string[] };
    expect(result.isolation).toBe("refused");
    expect(result.stderr).toMatch(/failed to execute perl: .*; the set-up runs on perl: install it \(Debian, Ubuntu: perl-base\)/);
    expect(warnings).toEqual([result.stderr]);
    expect(existsSync(ran)).toBe(false);
  });

  it("names the CPUs it knows the mount system calls of, for one it does not", () => {
    expect(setupSyscalls("x64")).toEqual([165, 166, 155]);
    expect(setupSyscalls("ppc64")).toEqual({
      error: "the sandbox's set-up knows the mount system calls of x64, arm64, riscv64, loong64, not of this CPU (ppc64)",
    });
  });
});
