// A store that really cannot be written, for tests that run as root (where chmod stops
// nothing): the ext4/xfs/btrfs immutable attribute (`chattr +i`), which refuses every write,
// root's included, until `chattr -i`. SQLite then opens the file read-only, exactly as on a
// read-only mount.
import { execFileSync } from "node:child_process";

/** Sets (`on`) or clears the immutable attribute of each path; throws with the reason if the filesystem cannot. */
export function setImmutable(paths: string[], on: boolean): void {
  for (const p of paths) {
    try {
      execFileSync("chattr", [on ? "+i" : "-i", p], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
      const why = (e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e);
      throw new Error(
        `chattr ${on ? "+i" : "-i"} ${p} failed (the test needs root and a filesystem with the immutable attribute): ${why}`,
        {
          cause: e,
        },
      );
    }
  }
}
