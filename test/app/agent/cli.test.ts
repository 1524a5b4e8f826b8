import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeAgentRepo, PROJECT, requester, type AgentRepo } from "./fixture.ts";

let repo: AgentRepo;
let scratch: string;
beforeAll(() => {
  repo = makeAgentRepo();
  scratch = mkdtempSync(join(tmpdir(), "ouro-agent-cli-"));
});
afterAll(() => {
  repo.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [join(PROJECT, "app/agent/cli.ts"), ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });

describe("agent CLI", () => {
  it("explains its usage (exit 2)", () => {
    const r = cli("--repo", repo.dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: node app\/agent\/cli.ts/);
  });

  it("prints a failure report for an invalid request (exit 1) and creates nothing", () => {
    const file = join(scratch, "request.json");
    writeFileSync(file, JSON.stringify({ id: "cli-1", requester, text: "x", recipe: { kind: "set-setting", key: "tone", value: 3 } }));
    const r = cli("--repo", repo.dir, "--request", file);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; report: { reason: string } };
    expect(out.ok).toBe(false);
    expect(out.report.reason).toMatch(/invalid value 3 for setting "tone"/);
    expect(repo.git("branch", "--list", "ouro/*")).toBe("");
  });
});
