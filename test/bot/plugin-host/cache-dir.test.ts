// The plugin mirrors' cache is this user's own directory: a shared /tmp path made first by
// someone else (who could plant a mirror the host would run) is refused, not used.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { privateCacheDir } from "../../../bot/plugin-host/launch.ts";

const base = mkdtempSync(join(tmpdir(), "ouro-cache-dir-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

it("is made 0700 and named for this user", () => {
  const dir = privateCacheDir(base);
  expect(dir).toBe(join(base, `ouro-plugin-host-${process.getuid!()}`));
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(privateCacheDir(base)).toBe(dir); // found again as it is
});

it("refuses a directory others may write, in plain words", () => {
  const other = mkdtempSync(join(tmpdir(), "ouro-cache-dir-open-"));
  try {
    const dir = join(other, `ouro-plugin-host-${process.getuid!()}`);
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    expect(() => privateCacheDir(other)).toThrow(/is not a private directory of this user .*mode 777.*remove it/);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
