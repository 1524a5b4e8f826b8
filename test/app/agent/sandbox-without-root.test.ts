// The agent's sandbox when the app is not root: the test runs as root, so each sandboxed
// run is made from a child process (sandbox-driver.ts) that runs as nobody (setpriv). The
// sandbox then isolates with a user namespace. For "isolation unavailable", the child is
// put in a user namespace of its own whose user.max_user_namespaces is 0, so the sandbox's
// own `unshare --user` really fails there (the host's setting is untouched).
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOBODY, UNSAFE_SWITCH, runNodeSandboxed, type SandboxOptions, type SandboxResult } from "../../../app/agent/sandbox.ts";

const DRIVER = join(import.meta.dirname, "sandbox-driver.ts");
const AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"];

// The worktree is in /tmp like the agent's; the app's secrets are elsewhere (/var/tmp), so
// hiding them is not just a side effect of the sandbox's private /tmp.
const tmp = mkdtempSync(join(tmpdir(), "ouro-sandbox-noroot-"));
const host = mkdtempSync(join("/var/tmp", "ouro-sandbox-noroot-"));
const wt = join(tmp, "wt");
const appDir = join(host, "app"); // the caller's cwd, with a .env
const dataDir = join(host, "data");
const home = join(host, "home");
const outside = join(host, "outside"); // nobody may write here, but not from the sandbox

let n = 0;
/** A fresh script in the worktree; its path. */
function script(body: string): string {
  const file = join(wt, `s${n++}.mjs`);
  writeFileSync(file, body);
  chmodSync(file, 0o644);
  return file;
}

interface Run {
  result: SandboxResult;
  warnings: string[];
}

/** The real sandbox, called by a process running `prefix` (nobody) with the app-like env. */
function runAs(prefix: string[], args: string[], opts: Partial<SandboxOptions> = {}, env: Record<string, string> = {}): Promise<Run> {
  const request = JSON.stringify({ args, opts: { cwd: wt, timeoutMs: 20_000, memoryMb: 256, ...opts } });
  const argv = [...prefix, process.execPath, DRIVER, request];
  const child = spawn(argv[0], argv.slice(1), {
    cwd: appDir,
    env: { PATH: process.env.PATH!, HOME: home, OURO_DATA_DIR: dataDir, OURO_TEST_SECRET_TOKEN: "ghp_neverInTheSandbox", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  return new Promise((resolve, reject) =>
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as Run) : reject(new Error(`driver exited ${code}: ${err}`)))),
  );
}
const asNobody = (args: string[], opts?: Partial<SandboxOptions>, env?: Record<string, string>) => runAs(AS_NOBODY, args, opts, env);

/** The fork bombs' time limit: long enough for a bomb to reach the limit on a loaded machine. */
const BOMB_MS = 8000;

/**
 * A fork bomb in the worktree (files named after `tag`): a shell that forks without end, its
 * refused forks ("Cannot fork") written to `refused-<tag>` by the shell itself, and a sampler
 * writing the most processes it saw in /proc to `max-procs-<tag>`. The sampler competes with
 * the bomb for the CPU and may see little; the shell's refusals are the kernel's own word.
 */
function forkBomb(tag: string): string {
  return script(`
      import { spawn } from "node:child_process";
      import { readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
      writeFileSync("pidns-${tag}", readlinkSync("/proc/self/ns/pid"));
      writeFileSync("cgroup-${tag}", readFileSync("/proc/self/cgroup", "utf8"));
      writeFileSync("max-procs-${tag}", "0");
      spawn("/bin/sh", ["-c", "exec 2>>refused-${tag}; b() { b | b & }; b"], { stdio: "ignore" });
      let max = 0;
      setInterval(() => {
        const procs = readdirSync("/proc").filter((d) => /^[0-9]+$/.test(d)).length;
        if (procs > max) writeFileSync("max-procs-${tag}", String((max = procs)));
      }, 10);`);
}

/** The bomb tagged `tag` hit the limit of 64 and never went far past it. */
function expectHeld(tag: string): void {
  // The limit refused its forks: the bomb went off, and something stopped it.
  expect(readFileSync(join(wt, `refused-${tag}`), "utf8")).toMatch(/Cannot fork|Resource temporarily unavailable/);
  // /proc is listed a few entries at a time while the bomb churns, so one listing can hold a
  // process that exited and one made after it (full runs under load saw 70 and 79 for 64). An
  // unheld bomb reaches thousands, so twice the limit still shows which limit held it.
  expect(Number(readFileSync(join(wt, `max-procs-${tag}`), "utf8"))).toBeLessThanOrEqual(2 * 64);
}

/** Directories given the enter bit for others, with the mode they had. */
const entered = new Map<string, number>();

beforeAll(() => {
  for (const d of [tmp, host]) chmodSync(d, 0o755);
  for (const d of [wt, appDir, dataDir, home, outside]) mkdirSync(d, { mode: 0o755 });
  chownSync(wt, NOBODY, NOBODY);
  chownSync(outside, NOBODY, NOBODY);
  writeFileSync(join(dataDir, "secret.txt"), "data-secret", { mode: 0o644 });
  writeFileSync(join(home, "secret.txt"), "home-secret", { mode: 0o644 });
  writeFileSync(join(appDir, ".env"), "PRIVATE_KEY=env-secret", { mode: 0o644 });
  // What nobody needs: our node (node_modules/.bin/node's target), this repo's sources, the scratch dirs.
  // A checkout in a 0700 directory (as `mktemp -d` makes) gets the enter bit for others on
  // that directory for the test's length; its mode is put back after.
  for (const file of [realpathSync(process.execPath), DRIVER])
    for (let d = dirname(file); d !== dirname(d); d = dirname(d)) {
      const mode = statSync(d).mode & 0o7777;
      if ((mode & 0o001) === 0 && !entered.has(d)) {
        entered.set(d, mode);
        chmodSync(d, mode | 0o001);
      }
    }
  const can = spawnSync(AS_NOBODY[0], [
    ...AS_NOBODY.slice(1),
    process.execPath,
    "-e",
    "require('node:fs').accessSync(process.argv[1])",
    DRIVER,
  ]);
  if (can.status !== 0) throw new Error(`nobody cannot run ${process.execPath} or read ${DRIVER}: make their parent directories o+rx`);
});
afterAll(() => {
  for (const [d, mode] of entered) chmodSync(d, mode);
  rmSync(tmp, { recursive: true, force: true });
  rmSync(host, { recursive: true, force: true });
});

describe("sandbox without root", () => {
  it("isolates with a user namespace: no network but loopback, an empty environment, nothing but the worktree writable, the app's secrets hidden", async () => {
    // Outside the sandbox nobody can read the secrets and write `outside`: the sandbox is what stops it.
    const control = spawnSync(
      AS_NOBODY[0],
      [
        ...AS_NOBODY.slice(1),
        "/bin/sh",
        "-c",
        `cat "$1/secret.txt" "$2/secret.txt" "$3/.env" && : > "$4/control"`,
        "sh",
        dataDir,
        home,
        appDir,
        outside,
      ],
      {
        encoding: "utf8",
      },
    );
    expect(control.stdout).toBe("data-secrethome-secretPRIVATE_KEY=env-secret");
    expect(existsSync(join(outside, "control"))).toBe(true);

    const server = createServer((s) => s.end("host"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const probe = script(`
      import { connect, createServer } from "node:net";
      import { readFileSync, writeFileSync } from "node:fs";
      const out = { uid: process.getuid(), env: process.env, writes: {}, reads: {} };
      const attempt = (f) => { try { return f(); } catch (e) { return "error " + e.code; } };
      for (const [name, path] of Object.entries({ worktree: ${JSON.stringify(join(wt, "written.txt"))}, outside: ${JSON.stringify(join(outside, "pwned"))}, repo: ${JSON.stringify(join(import.meta.dirname, "pwned"))}, tmp: "/tmp/ouro-sandbox-private-tmp-check" }))
        out.writes[name] = attempt(() => (writeFileSync(path, "x"), "wrote"));
      for (const [name, path] of Object.entries({ data: ${JSON.stringify(join(dataDir, "secret.txt"))}, home: ${JSON.stringify(join(home, "secret.txt"))}, env: ${JSON.stringify(join(appDir, ".env"))} }))
        out.reads[name] = attempt(() => "read " + JSON.stringify(readFileSync(path, "utf8")));
      const dial = (port) => new Promise((resolve) => { const s = connect(port, "127.0.0.1"); s.on("connect", () => { s.destroy(); resolve("connected"); }); s.on("error", (e) => resolve("error " + e.code)); });
      out.host = await dial(${port});
      const own = createServer((s) => s.end()); await new Promise((r) => own.listen(0, "127.0.0.1", r));
      out.loopback = await dial(own.address().port); own.close();
      console.log(JSON.stringify(out));`);
    const { result, warnings } = await asNobody([probe]);
    server.close();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result).toMatchObject({ isolation: "namespaces", network: "none", user: "self" });
    expect(warnings).toEqual([]);
    const seen = JSON.parse(result.stdout) as {
      env: Record<string, string>;
      writes: Record<string, string>;
      reads: Record<string, string>;
      host: string;
      loopback: string;
    };
    expect(Object.keys(seen.env).sort()).toEqual(["CI", "FORCE_COLOR", "HOME", "NODE_ENV", "NODE_OPTIONS", "NO_COLOR", "PATH", "TMPDIR"]);
    expect(seen.env.HOME).not.toBe(home);
    expect(seen.host).toMatch(/^error E/);
    expect(seen.loopback).toBe("connected");
    // A checkout under /tmp is not even there: the sandbox's /tmp is a private tmpfs.
    const repo = import.meta.dirname.startsWith("/tmp/") ? "error ENOENT" : "error EROFS";
    expect(seen.writes).toEqual({ worktree: "wrote", outside: "error EROFS", repo, tmp: "wrote" });
    expect(existsSync(join(import.meta.dirname, "pwned"))).toBe(false);
    expect(readFileSync(join(wt, "written.txt"), "utf8")).toBe("x");
    expect(existsSync(join(outside, "pwned"))).toBe(false);
    expect(existsSync("/tmp/ouro-sandbox-private-tmp-check")).toBe(false);
    expect(seen.reads).toEqual({ data: "error ENOENT", home: "error ENOENT", env: 'read ""' });
  }, 60_000);

  it("a fork bomb is held to the process limit and stopped at the time limit, with nothing left running", async () => {
    const bomb = forkBomb("nobody");
    const { result } = await asNobody([bomb], { timeoutMs: BOMB_MS, maxProcesses: 64 });
    expect(result.timedOut).toBe(true);
    expect(result.stopped).toBe(`it ran past its time limit of ${BOMB_MS / 1000} s; all its processes were stopped`);
    expect(result.stderr).toContain(`agent sandbox: stopped: it ran past its time limit of ${BOMB_MS / 1000} s`);
    expectHeld("nobody");
    // Its pid namespace is gone: no process on the host is still in it.
    const ns = readFileSync(join(wt, "pidns-nobody"), "utf8");
    const left = readdirSync("/proc")
      .filter((d) => /^[0-9]+$/.test(d))
      .filter((pid) => {
        try {
          return readlinkSync(`/proc/${pid}/ns/pid`) === ns;
        } catch {
          return false;
        }
      });
    expect(left).toEqual([]);
  }, 60_000);

  it("as root, a fork bomb is held by a pids cgroup of its own (not nobody's host-wide count), which is removed after", async () => {
    expect(existsSync("/sys/fs/cgroup/pids/cgroup.procs"), "this test needs the cgroup v1 pids controller").toBe(true);
    const bomb = forkBomb("root");
    const result = await runNodeSandboxed([bomb], { cwd: wt, timeoutMs: BOMB_MS, memoryMb: 256, maxProcesses: 64 }, () => {});
    expect(result).toMatchObject({ timedOut: true, user: "nobody", isolation: "namespaces" });
    expect(result.stopped).toBe(`it ran past its time limit of ${BOMB_MS / 1000} s; all its processes were stopped`);
    const mine = `ouro-sandbox-${process.pid}-`;
    expect(readFileSync(join(wt, "cgroup-root"), "utf8")).toMatch(new RegExp(`:pids:/${mine}`));
    expectHeld("root");
    expect(readdirSync("/sys/fs/cgroup/pids").filter((d) => d.startsWith(mine))).toEqual([]);
  }, 60_000);

  it("a busy loop is stopped by the CPU limit, in plain words", async () => {
    const spin = script("for (;;) {}");
    const { result } = await asNobody([spin], { cpuSeconds: 1 });
    expect(result.timedOut).toBe(false);
    expect(result.signal).toBe("SIGXCPU");
    expect(result.stopped).toBe("it used more than 1 s of CPU time and was stopped");
    expect(result.durationMs).toBeLessThan(15_000);
  }, 60_000);

  it("refuses a check when OURO_SANDBOX has a value it does not take, and runs nothing", async () => {
    const ran = join(wt, "ran-bad-setting");
    const touch = script(`import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(ran)}, "ran");`);
    const { result, warnings } = await asNobody([touch], {}, { OURO_SANDBOX: "none" });
    expect(result).toMatchObject({ isolation: "refused", code: 1, stdout: "" });
    expect(result.stderr).toBe(
      'agent sandbox: the checks were not run: OURO_SANDBOX is "none", but the only value it takes is unsafe-none (or leave it unset)',
    );
    expect(warnings).toEqual([result.stderr]);
    expect(existsSync(ran)).toBe(false);
  }, 60_000);

  it("as root, the same isolation, and the check runs as nobody", async () => {
    const probe = script(`
      import { readFileSync, writeFileSync } from "node:fs";
      const attempt = (f) => { try { return f(); } catch (e) { return "error " + e.code; } };
      console.log(JSON.stringify({
        uid: process.getuid(),
        worktree: attempt(() => (writeFileSync(${JSON.stringify(join(wt, "root-path.txt"))}, "x"), "wrote")),
        outside: attempt(() => (writeFileSync(${JSON.stringify(join(outside, "pwned-as-root"))}, "x"), "wrote")),
        data: attempt(() => readFileSync(${JSON.stringify(join(dataDir, "secret.txt"))}, "utf8")),
        home: attempt(() => readFileSync(${JSON.stringify(join(home, "secret.txt"))}, "utf8")),
      }));`);
    const warnings: string[] = [];
    const result = await runNodeSandboxed([probe], { cwd: wt, timeoutMs: 20_000, memoryMb: 256, hidden: [dataDir, home] }, (m) =>
      warnings.push(m),
    );
    expect(result.stderr).toBe("");
    expect(result).toMatchObject({ code: 0, isolation: "namespaces", network: "none", user: "nobody" });
    expect(JSON.parse(result.stdout)).toEqual({
      uid: NOBODY,
      worktree: "wrote",
      outside: "error EROFS",
      data: "error ENOENT",
      home: "error ENOENT",
    });
    expect(existsSync(join(outside, "pwned-as-root"))).toBe(false);
  }, 60_000);

  describe("where user namespaces are denied", () => {
    let holder: ReturnType<typeof spawn>;
    let deny: string[];
    beforeAll(async () => {
      // A user namespace (identity-mapped, so nobody is nobody) whose max_user_namespaces we set to 0.
      holder = spawn("unshare", ["--user", "/bin/sh", "-c", "echo ready; exec cat"], { stdio: ["pipe", "pipe", "inherit"] });
      await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
      writeFileSync(`/proc/${holder.pid}/uid_map`, "0 0 65536");
      writeFileSync(`/proc/${holder.pid}/gid_map`, "0 0 65536");
      const limit = `echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"`;
      deny = ["nsenter", `--target=${holder.pid}`, "--user", "--", "/bin/sh", "-c", limit, "deny", ...AS_NOBODY];
    });
    afterAll(() => holder.stdin!.end());

    it("refuses to run the check, naming the switch that allows it", async () => {
      const ran = join(wt, "ran-unisolated");
      const touch = script(`import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(ran)}, "ran");`);
      const { result, warnings } = await runAs(deny, [touch]);
      expect(result.isolation).toBe("refused");
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(
        /^agent sandbox: the checks were not run, because this host cannot isolate them \(.*No space left on device/,
      );
      expect(result.stderr).toContain(`set ${UNSAFE_SWITCH} to run agent-written code without isolation`);
      expect(warnings).toEqual([result.stderr]);
      expect(existsSync(ran)).toBe(false);
      expect(readFileSync("/proc/sys/user/max_user_namespaces", "utf8").trim()).not.toBe("0"); // the host is untouched
    }, 60_000);

    it(`with ${UNSAFE_SWITCH} it runs, unisolated, with a warning`, async () => {
      const ran = join(wt, "ran-unsafe");
      const touch = script(
        `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(ran)}, "ran"); console.log(JSON.stringify(Object.keys(process.env).sort()));`,
      );
      const { result, warnings } = await runAs(deny, [touch], {}, { OURO_SANDBOX: "unsafe-none" });
      expect(result.code).toBe(0);
      expect(result).toMatchObject({ isolation: "none", network: "host", user: "self" });
      expect(readFileSync(ran, "utf8")).toBe("ran");
      expect(JSON.parse(result.stdout)).toEqual(["CI", "FORCE_COLOR", "HOME", "NODE_ENV", "NODE_OPTIONS", "NO_COLOR", "PATH", "TMPDIR"]);
      expect(warnings.join("\n")).toMatch(/agent sandbox: OURO_SANDBOX=unsafe-none: checks run WITHOUT isolation/);
    }, 60_000);
  });
});
