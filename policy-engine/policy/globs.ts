// Glob handling for policy path lists: validation (so a typo is a load error, not a
// silently dead rule) and compiled matchers with `!pattern` exclusions.
import picomatch from "picomatch";

/** Returns why `glob` is not a valid repository-relative glob, or undefined when it is. */
export function globProblem(glob: string): string | undefined {
  const pattern = glob.startsWith("!") ? glob.slice(1) : glob;
  if (pattern.trim() === "") return "empty glob";
  if (pattern !== pattern.trim()) return "glob has leading or trailing spaces";
  if (pattern.startsWith("/")) return "glob must be relative to the repository root (no leading /)";
  if (pattern.includes("\\")) return "glob must use forward slashes (no backslash)";
  if (pattern.includes("//")) return "glob has an empty path segment (//)";
  if (pattern.split("/").some((s) => s === ".." || s === ".")) return "glob must not contain . or .. segments";
  const pairs: Record<string, string> = { "[": "]", "{": "}", "(": ")" };
  const stack: string[] = [];
  for (const ch of pattern) {
    if (ch in pairs) stack.push(pairs[ch]);
    else if (ch === "]" || ch === "}" || ch === ")") {
      if (stack.pop() !== ch) return `unbalanced "${ch}" in glob`;
    }
  }
  if (stack.length > 0) return `unclosed "${stack.at(-1) === "]" ? "[" : stack.at(-1) === "}" ? "{" : "("}" in glob`;
  try {
    picomatch.makeRe(pattern, { dot: true });
  } catch (err) {
    return `invalid glob: ${(err as Error).message}`;
  }
  return undefined;
}

export type PathMatcher = (path: string) => boolean;

// A matcher for a list of globs, read like .gitignore: entries apply in order and the last
// one that matches decides; `!pattern` takes a path back out. So the list
//   bot/**, !bot/plugins/**, **/package.json
// covers bot/core/x.ts and bot/plugins/x/package.json but not bot/plugins/x/index.ts.
// Dotfiles match (`.github/**`). `nocase` is used for protection lists so a case variant
// of a protected path (e.g. `Policies/x.yml`) still counts as protected (fail closed).
export function compileGlobs(globs: readonly string[], opts: { nocase?: boolean } = {}): PathMatcher {
  const pmOpts = { dot: true, nocase: opts.nocase ?? false };
  const entries = globs.map((g) => ({ negated: g.startsWith("!"), test: picomatch(g.startsWith("!") ? g.slice(1) : g, pmOpts) }));
  return (path) => {
    let matched = false;
    for (const e of entries) {
      // only an entry that could change the answer needs testing
      if (e.negated ? matched && e.test(path) : !matched && e.test(path)) matched = !e.negated;
    }
    return matched;
  };
}

const cache = new WeakMap<readonly string[], Map<string, PathMatcher>>();

/** compileGlobs, memoised per (list, options): policies are immutable once loaded. */
export function matcherFor(globs: readonly string[], opts: { nocase?: boolean } = {}): PathMatcher {
  let byOpts = cache.get(globs);
  if (!byOpts) cache.set(globs, (byOpts = new Map()));
  const key = opts.nocase ? "i" : "s";
  let m = byOpts.get(key);
  if (!m) byOpts.set(key, (m = compileGlobs(globs, opts)));
  return m;
}
