// The store behind `actions/cache`: entries (a key, a version — the hash of the cached paths —
// and a tar archive) per repository and per scope (the ref that saved them), under the Actions
// data dir, never readable by jobs. Like GitHub's cache service:
// - a run reads entries of its own ref, then (a pull request) of its base branch, then of the
//   default branch; it writes only to its own ref, so a PR cannot poison main's entries;
// - a lookup tries the key exactly, then as a prefix, then each restore key as a prefix (the
//   newest entry first) — and only entries of the same version;
// - an entry is immutable: a second save of the same key in the same scope is refused.
// Archives are made and unpacked by the job's user (job.ts), so restoring copies files into the
// job and nothing in a workspace is ever linked to the store.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CacheEntry {
  scope: string;
  key: string;
  version: string;
  /** the archive's file name in the repository's folder */
  file: string;
  created: number;
  size: number;
}

const MAX_KEY = 512;

export class CacheStore {
  private readonly root: string;
  /** scope\0key\0version being saved right now (GitHub: "unable to reserve cache") */
  private readonly reserved = new Set<string>();

  constructor(root: string) {
    this.root = root;
    mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  private dir(repo: string): string {
    return join(this.root, ...repo.toLowerCase().split("/"));
  }

  private entries(repo: string): CacheEntry[] {
    const f = join(this.dir(repo), "index.json");
    return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as CacheEntry[]) : [];
  }

  /** The entry to restore, or null. `scopes` in order of preference (own ref first). */
  find(repo: string, scopes: string[], key: string, restoreKeys: string[], version: string): { entry: CacheEntry; archive: string } | null {
    const all = this.entries(repo).filter((e) => e.version === version);
    const newest = (es: CacheEntry[]) => es.sort((a, b) => b.created - a.created)[0];
    for (const scope of scopes) {
      const inScope = all.filter((e) => e.scope === scope);
      const hit =
        inScope.find((e) => e.key === key) ??
        newest(inScope.filter((e) => e.key.startsWith(key))) ??
        restoreKeys.map((k) => newest(inScope.filter((e) => e.key.startsWith(k)))).find(Boolean);
      if (hit) return { entry: hit, archive: join(this.dir(repo), hit.file) };
    }
    return null;
  }

  /**
   * Saves an entry: `write(tmpFile)` fills the archive (refused with a reason if the key
   * exists in this scope or is being saved).
   */
  async save(
    repo: string,
    scope: string,
    key: string,
    version: string,
    write: (file: string) => Promise<void>,
  ): Promise<{ saved: true; size: number } | { saved: false; why: string }> {
    if (key.length > MAX_KEY) return { saved: false, why: `the key is longer than ${MAX_KEY} characters` };
    if (key.includes(",")) return { saved: false, why: "a key cannot contain commas" };
    const id = `${scope}\0${key}\0${version}`;
    if (this.reserved.has(id) || this.entries(repo).some((e) => e.scope === scope && e.key === key && e.version === version))
      return { saved: false, why: `an entry with key ${key} already exists for ${scope} (entries are immutable)` };
    this.reserved.add(id);
    const dir = this.dir(repo);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = `${createHash("sha256").update(id).digest("hex").slice(0, 32)}.tar`;
    const tmp = join(dir, `.tmp-${randomUUID()}`);
    try {
      await write(tmp);
      const size = statSync(tmp).size;
      renameSync(tmp, join(dir, file));
      const entries = this.entries(repo);
      entries.push({ scope, key, version, file, created: Date.now(), size });
      const idx = join(dir, `.index-${randomUUID()}`);
      writeFileSync(idx, JSON.stringify(entries, null, 1), { mode: 0o600 });
      renameSync(idx, join(dir, "index.json"));
      return { saved: true, size };
    } finally {
      rmSync(tmp, { force: true });
      this.reserved.delete(id);
    }
  }
}

/** What keeps entries of different path sets apart (GitHub: the cache version). */
export function cacheVersion(paths: string[]): string {
  return createHash("sha256")
    .update([...paths, "tar"].join("|"))
    .digest("hex");
}
