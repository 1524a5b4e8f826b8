// The first release a hook deploys has none kept before it; /rollback (and the CLI's
// rollback) still goes back: to the release of its first parent — the default branch before
// the change merged, what the revert PR makes of it — prepared at the rollback. Real git
// releases of this repository, real bots on local/discord.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { startDiscord, type DiscordStandIn } from "../../local/discord/index.ts";
import { Deployer } from "../../deploy-hook/deployer.ts";
import { botEnv, HELLO_REPLY, makeDeployFixture, ROOT, type DeployFixture } from "./fixture.ts";
import { recorder } from "./live-release.ts";

let discord: DiscordStandIn;
let fx: DeployFixture;
let tmp: string;
let hook: Deployer;

beforeAll(async () => {
  discord = await startDiscord();
  fx = makeDeployFixture();
  tmp = mkdtempSync(join(tmpdir(), "ouro-deploy-first-"));
}, 120_000);

afterAll(async () => {
  await hook?.close();
  await discord?.close();
  fx?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const ask = (name: string) => discord.driver.runCommand({ user: "alice", channel: "general", name }).reply();

describe("rollback of the first release", { timeout: 240_000 }, () => {
  it("goes back to the release of its first parent, prepared then", async () => {
    hook = new Deployer({
      repo: fx.dir,
      dataDir: join(tmp, "hook"),
      env: botEnv(discord, join(tmp, "bot")),
      depSeeds: [ROOT],
      settleMs: 200,
      watchMs: 300,
      healthTimeoutMs: 60_000,
      handoverMarginMs: 100,
    });
    const first = await hook.deploy(fx.hello);
    expect(first.state).toBe("success");
    await first.watch;
    expect((await ask("hello")).content).toBe(HELLO_REPLY);
    expect(hook.status().releases.map((r) => r.sha)).toEqual([fx.hello]); // nothing kept before it

    const { statuses, hooks } = recorder();
    const r = await hook.rollback(hooks);
    expect(r).toMatchObject({ state: "success", sha: fx.base });
    expect(r.description).toMatch(new RegExp(`^rolled back ${fx.hello.slice(0, 7)} → ${fx.base.slice(0, 7)}`));
    expect(statuses.map((s) => s.description)).toContain(
      `no release before ${fx.hello.slice(0, 7)} is kept: preparing its parent ${fx.base.slice(0, 7)}`,
    );
    expect(hook.status()).toMatchObject({ current: fx.base, lastGood: fx.base });
    expect(hook.status().releases.map((r) => r.sha)).toEqual([fx.base]); // the rolled-back release is judged bad and pruned
    expect((await ask("ping")).content).toBe("Pong!");
    expect(() => discord.driver.runCommand({ user: "alice", channel: "general", name: "hello" })).toThrow(/no slash command \/hello/);
  });

  it("a root commit has nothing before it: a clear error, nothing changed", async () => {
    const dir = join(tmp, "root-repo");
    const git = (...a: string[]) => execFileSync("git", a, { cwd: dir, encoding: "utf8" }).trim();
    execFileSync("git", ["clone", "-q", "--no-hardlinks", fx.dir, dir]);
    git("checkout", "-q", "--orphan", "root");
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "root");
    const root = git("rev-parse", "HEAD");
    await hook.close();
    hook = new Deployer({
      repo: dir,
      dataDir: join(tmp, "hook-root"),
      env: botEnv(discord, join(tmp, "bot-root")),
      depSeeds: [ROOT],
      settleMs: 200,
      watchMs: 300,
      healthTimeoutMs: 60_000,
    });
    const d = await hook.deploy(root);
    expect(d.state).toBe("success");
    await d.watch;
    const r = await hook.rollback();
    expect(r).toMatchObject({
      state: "error",
      description: `no earlier release of ${root.slice(0, 7)} is kept, and it has no parent commit to roll back to`,
    });
    expect(hook.status()).toMatchObject({ current: root });
    expect((await ask("ping")).content).toBe("Pong!");
  });
});
