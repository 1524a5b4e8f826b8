// CODEOWNERS → who to ask for review. GitHub's rules: gitignore-style patterns, the LAST
// matching line wins, owners are @user, @org/team or emails (emails are skipped here).
import picomatch from "picomatch";

export interface OwnerRule {
  pattern: string;
  owners: string[];
  match: (path: string) => boolean;
}

export function parseCodeowners(text: string): OwnerRule[] {
  const rules: OwnerRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) continue;
    const [pattern, ...owners] = line.split(/\s+/);
    rules.push({ pattern, owners: owners.filter((o) => o.startsWith("@")), match: matcher(pattern) });
  }
  return rules;
}

function matcher(pattern: string): (path: string) => boolean {
  const anchored = pattern.startsWith("/") || pattern.slice(0, -1).includes("/");
  let p = pattern.replace(/^\//, "");
  if (p.endsWith("/")) p += "**";
  const globs = anchored ? [p, `${p}/**`] : [`**/${p}`, `**/${p}/**`];
  const m = picomatch(globs, { dot: true });
  return (path) => m(path);
}

/** Owners of the changed files (last matching rule per file), split into users and teams. */
export function ownersFor(rules: OwnerRule[], paths: string[], exclude: string[] = []): { users: string[]; teams: string[] } {
  const ex = new Set(exclude.map((e) => e.toLowerCase()));
  const users = new Set<string>();
  const teams = new Set<string>();
  for (const path of paths) {
    let hit: OwnerRule | undefined;
    for (const r of rules) if (r.match(path)) hit = r;
    for (const o of hit?.owners ?? []) {
      const name = o.slice(1);
      if (name.includes("/")) teams.add(name.split("/")[1]);
      else if (!ex.has(name.toLowerCase())) users.add(name);
    }
  }
  return { users: [...users].sort(), teams: [...teams].sort() };
}
