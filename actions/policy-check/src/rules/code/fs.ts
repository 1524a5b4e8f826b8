// Filesystem functions that write, change or remove (fs and fs/promises share names).
export const FS_WRITES = new Set([
  "writeFile", "writeFileSync", "appendFile", "appendFileSync", "rm", "rmSync", "rmdir", "rmdirSync",
  "unlink", "unlinkSync", "rename", "renameSync", "mkdir", "mkdirSync", "mkdtemp", "mkdtempSync",
  "chmod", "chmodSync", "lchmod", "lchmodSync", "fchmod", "fchmodSync", "chown", "chownSync",
  "lchown", "lchownSync", "fchown", "fchownSync", "copyFile", "copyFileSync", "cp", "cpSync",
  "symlink", "symlinkSync", "link", "linkSync", "truncate", "truncateSync", "ftruncate", "ftruncateSync",
  "utimes", "utimesSync", "lutimes", "lutimesSync", "futimes", "futimesSync", "createWriteStream", "WriteStream",
  "write", "writeSync", "writev", "writevSync",
]);

/** open() flags that only read. */
export function isReadOnlyOpenFlag(flags: string): boolean {
  return flags === "r" || flags === "rs" || flags === "sr";
}
