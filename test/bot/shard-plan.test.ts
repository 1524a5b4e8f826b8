// Shard ranges per host: OURO_SHARDS (total across hosts) and OURO_SHARD_IDS (this host's ids),
// read by bot/shard.ts and the deploy hook; which shard process purges the shared memory.
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { configFromEnv, runsRetention } from "../../bot/config.ts";
import { shardIdsOf, shardPlanFromEnv } from "../../contract/shards.ts";

const SHARD = fileURLToPath(new URL("../../bot/shard.ts", import.meta.url));

describe("shard ranges per host", () => {
  it("reads ids and ranges, sorted; without OURO_SHARD_IDS a host runs every shard", () => {
    expect(shardPlanFromEnv({ OURO_SHARDS: "3", OURO_SHARD_IDS: "0,1" })).toEqual({ total: 3, ids: [0, 1] });
    expect(shardPlanFromEnv({ OURO_SHARDS: "3", OURO_SHARD_IDS: " 2 " })).toEqual({ total: 3, ids: [2] });
    expect(shardPlanFromEnv({ OURO_SHARDS: "8", OURO_SHARD_IDS: "6, 0-3" })).toEqual({ total: 8, ids: [0, 1, 2, 3, 6] });
    expect(shardPlanFromEnv({ OURO_SHARDS: "3", OURO_SHARD_IDS: "0-2" })).toEqual({ total: 3, ids: [0, 1, 2] });
    expect(shardPlanFromEnv({ OURO_SHARDS: "4" })).toEqual({ total: 4 });
    expect(shardPlanFromEnv({})).toEqual({ total: undefined });
    expect(shardPlanFromEnv({ OURO_SHARDS: "", OURO_SHARD_IDS: " " })).toEqual({ total: undefined }); // blank: unset
    expect(shardIdsOf({ total: 4 }, 4)).toEqual([0, 1, 2, 3]);
    expect(shardIdsOf({ total: 4, ids: [3] }, 4)).toEqual([3]);
  });

  it("refuses bad variables with a sentence saying what is wrong", () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ OURO_SHARDS: "3", OURO_SHARD_IDS: "0,3" }, /shard 3 is out of range: with OURO_SHARDS=3 the shard ids are 0 to 2/],
      [{ OURO_SHARDS: "4", OURO_SHARD_IDS: "0-2,1" }, /names shard 1 twice/],
      [{ OURO_SHARD_IDS: "0,1" }, /OURO_SHARD_IDS \(0,1\) needs OURO_SHARDS, the total number of shards across all hosts/],
      [{ OURO_SHARDS: "3", OURO_SHARD_IDS: "a" }, /shard ids or ranges separated by commas, e.g\. 0,1 or 2 or 0-3: "a" is not one/],
      [{ OURO_SHARDS: "3", OURO_SHARD_IDS: "2-0" }, /the range 2-0 runs backwards; write 0-2/],
      [{ OURO_SHARDS: "0" }, /OURO_SHARDS must be the total number of shards across all hosts, a whole number from 1 to 1000 \(got "0"\)/],
      [{ OURO_SHARDS: "two" }, /OURO_SHARDS must be .*\(got "two"\)/],
    ];
    for (const [env, message] of bad) expect(() => shardPlanFromEnv(env), JSON.stringify(env)).toThrow(message);
  });

  it("the bot's configuration names a bad shard variable along with the others", () => {
    expect(() =>
      configFromEnv({
        DISCORD_TOKEN: "",
        OURO_APP_URL: "http://127.0.0.1:9",
        OURO_APP_TOKEN: "0123456789abcdef0123",
        OURO_ENCRYPTION_KEY: "a".repeat(64),
        OURO_SHARD_IDS: "1",
      }),
    ).toThrow(/DISCORD_TOKEN is required; OURO_SHARD_IDS \(1\) needs OURO_SHARDS/);
  });

  it("the retention purge runs in one shard process: shard 0 on a shared memory, else the host's lowest shard", () => {
    const shard = (id: number, env: Record<string, string> = {}) => ({
      SHARDING_MANAGER: "true",
      SHARDS: String(id),
      SHARD_COUNT: "3",
      ...env,
    });
    expect(runsRetention({})).toBe(true); // bot/main.ts alone
    // One host, every shard, one memory file: shard 0 only.
    expect([0, 1, 2].map((id) => runsRetention(shard(id, { OURO_SHARDS: "3" })))).toEqual([true, false, false]);
    // Two hosts (0,1 and 2), a memory file each: the lowest shard of each host.
    expect([0, 1].map((id) => runsRetention(shard(id, { OURO_SHARDS: "3", OURO_SHARD_IDS: "0,1" })))).toEqual([true, false]);
    expect(runsRetention(shard(2, { OURO_SHARDS: "3", OURO_SHARD_IDS: "2" }))).toBe(true);
    // The same two hosts on one PostgreSQL memory: shard 0 only, on whichever host runs it.
    const pg = { OURO_SHARDS: "3", DATABASE_URL: "postgres://ouro@db/ouro" };
    expect([0, 1].map((id) => runsRetention(shard(id, { ...pg, OURO_SHARD_IDS: "0,1" })))).toEqual([true, false]);
    expect(runsRetention(shard(2, { ...pg, OURO_SHARD_IDS: "2" }))).toBe(false);
  });
});

/** Runs bot/shard.ts with `env`; resolves with its exit code and everything it printed. */
function runShard(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SHARD], {
      env: { PATH: process.env.PATH, DISCORD_TOKEN: "token", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("bot/shard.ts with bad variables", () => {
  it("exits 2 with a sentence before anything connects", async () => {
    // DISCORD_API points nowhere: a process that got past validation would fail otherwise, not with 2.
    const api = { DISCORD_API: "http://127.0.0.1:9/api" };
    const cases: [Record<string, string>, string][] = [
      [
        { ...api, OURO_SHARDS: "3", OURO_SHARD_IDS: "0,3" },
        "OURO_SHARD_IDS: shard 3 is out of range: with OURO_SHARDS=3 the shard ids are 0 to 2",
      ],
      [{ ...api, OURO_SHARDS: "3", OURO_SHARD_IDS: "1,1" }, "OURO_SHARD_IDS names shard 1 twice"],
      [{ ...api, OURO_SHARD_IDS: "2" }, "OURO_SHARD_IDS (2) needs OURO_SHARDS"],
      [{ ...api, OURO_SHARDS: "3", DISCORD_TOKEN: "" }, "DISCORD_TOKEN is required"],
    ];
    const runs = await Promise.all(cases.map(([env]) => runShard(env)));
    runs.forEach((run, i) => {
      expect(run.code, run.output).toBe(2);
      expect(run.output).toContain(`invalid shard configuration: ${cases[i][1]}`);
    });
  }, 60_000);
});
