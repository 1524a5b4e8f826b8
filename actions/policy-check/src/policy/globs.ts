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

/**
 * A matcher for a list of globs: a path matches when it matches some plain pattern and no
 * `!pattern`. Dotfiles match (`.github/**`). `nocase` is used for protection lists so a
 * case-variant path (e.g. `Policies/x.yml`) still counts as protected (fail closed).
 */
export function compileGlobs(globs: readonly string[], opts: { nocase?: boolean } = {}): PathMatcher {
  const include = globs.filter((g) => !g.startsWith("!"));
  const exclude = globs.filter((g) => g.startsWith("!")).map((g) => g.slice(1));
  const pmOpts = { dot: true, nocase: opts.nocase ?? false };
  const inc = include.length > 0 ? picomatch(include, pmOpts) : () => false;
  const exc = exclude.length > 0 ? picomatch(exclude, pmOpts) : () => false;
  return (path) => inc(path) && !exc(path);
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
