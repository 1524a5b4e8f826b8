// The CLI's bad-input paths: clear message, exit 2, nothing written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeRepo, type TestRepo } from "../../helpers/git.ts";

const CLI = fileURLToPath(new URL("../../../app/deploy/cli.ts", import.meta.url));
let tmp: string;
let repo: TestRepo;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "ouro-deploy-cli-"));
  repo = makeRepo();
  repo.write({ "README.md": "x\n" });
  repo.commit("init");
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  repo.cleanup();
});
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 20_000 });

describe("app/deploy/cli.ts", () => {
  it("explains bad usage with exit 2", () => {
    for (const args of [["frobnicate", "--data", tmp], ["deploy", "--data", tmp, "--repo", repo.dir], ["status"], ["deploy", "abc", "--data", tmp], ["status", "--data", tmp, "--keep", "zero"]]) {
      const r = cli(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^deploy: .+\nusage:/);
    }
  });

  it("prints the state of an empty data dir", () => {
    const r = cli("status", "--data", join(tmp, "empty"));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ current: null, lastGood: null, releases: [], process: null });
  });

  it("refuses an unknown commit and a rollback with nothing live, changing nothing", () => {
    const data = join(tmp, "hook");
    const r = cli("deploy", "0123456789abcdef0123456789abcdef01234567", "--repo", repo.dir, "--data", data);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/status error: unknown commit/);
    const back = cli("rollback", "--repo", repo.dir, "--data", data);
    expect(back.status).toBe(2);
    expect(back.stdout).toMatch(/status error: nothing is live/);
    expect(existsSync(join(data, "current"))).toBe(false);
    expect(existsSync(join(data, "deploy.lock"))).toBe(false);
  });
});
