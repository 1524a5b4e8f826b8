// `hashFiles(patterns…)` as the runner computes it: the files under GITHUB_WORKSPACE matching
// the patterns (globs with `*`, `**`, `?`, `[…]`, `!` to exclude; a pattern matching a
// directory takes everything under it, as @actions/glob does), each hashed with sha256, and the
// sha256 of those digests in path order, as hex; '' when nothing matches.
// The workspace belongs to the job, so the walk runs as the job's user in a child Node (as the
// runner runs it in a child too): a symbolic link to this process's secrets is read as the job
// could, never as us.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ExpressionError } from "./expressions.ts";
import type { JobUser } from "./user.ts";

/** Checks the pattern forms we understand; anything else is an error naming the pattern. */
export function checkPatterns(patterns: string[]): string[] {
  const lines = patterns.flatMap((p) => p.split(/\r?\n/)).map((l) => l.trim());
  const out = lines.filter((l) => l !== "" && !l.startsWith("#"));
  for (const l of out) {
    const body = l.replace(/^!+/, "");
    if (/[{}]/.test(body)) throw new ExpressionError(`hashFiles('${l}'): brace expansion ({a,b}) is not supported by the runner's globber`);
    if (/[@+!?*]\(/.test(body)) throw new ExpressionError(`hashFiles('${l}'): extended globs like @(…) are not supported`);
    if (body === "") throw new ExpressionError(`hashFiles('${l}'): an empty pattern`);
    if (/\[[^\]]*$/.test(body)) throw new ExpressionError(`hashFiles('${l}'): an unclosed [`);
  }
  return out;
}

/**
 * The walk and hash, self-contained: it is run by `node -e` as the job's user (see hashFiles).
 * Prints the hex digest ('' for no match) on stdout.
 */
function hashFilesIn(workspace: string, patterns: string[]): string {
  const fs = process.getBuiltinModule("node:fs");
  const path = process.getBuiltinModule("node:path");
  const crypto = process.getBuiltinModule("node:crypto");
  const toRegex = (glob: string): RegExp => {
    let re = "";
    const segs = glob.split("/");
    segs.forEach((seg, i) => {
      const last = i === segs.length - 1;
      if (seg === "**") {
        re += last ? ".*" : "(?:[^/]*/)*";
        return;
      }
      for (let j = 0; j < seg.length; j++) {
        const c = seg[j];
        if (c === "*") re += "[^/]*";
        else if (c === "?") re += "[^/]";
        else if (c === "[") {
          const end = seg.indexOf("]", j + 1);
          const cls = seg.slice(j + 1, end);
          re += "[" + (cls.startsWith("!") ? "^" + cls.slice(1) : cls).replace(/\\/g, "\\\\") + "]";
          j = end;
        } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
      }
      if (!last) re += "/";
    });
    return new RegExp("^" + re + "$");
  };
  const rules = patterns.map((p) => {
    const negate = /^!/.test(p);
    let g = p.replace(/^!+/, "");
    g = path.isAbsolute(g) ? path.relative(workspace, g) : g.replace(/^(\.\/)+/, "");
    g = g.replace(/\/+$/, "");
    g = g === "" || g === "." ? "**" : path.posix.normalize(g);
    // where a walk for it starts: its leading segments without glob characters
    const literal: string[] = [];
    for (const seg of g.split("/")) if (/[*?[]/.test(seg) || literal.push(seg) < 0) break;
    return { negate, re: g.startsWith("..") ? null : toRegex(g), base: literal.join("/") };
  });
  // A file is taken when it, or a directory above it, matches (implicit descendants).
  const matches = (re: RegExp, rel: string) => {
    const parts = rel.split("/");
    for (let n = parts.length; n > 0; n--) if (re.test(parts.slice(0, n).join("/"))) return true;
    return false;
  };
  const files = new Set<string>();
  const consider = (r: string) => {
    let taken = false;
    for (const rule of rules) if (rule.re && rule.negate === taken && matches(rule.re, r)) taken = !rule.negate;
    if (taken) files.add(r);
  };
  // Symbolic links are neither followed nor hashed.
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(workspace, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) consider(r);
    }
  };
  for (const rule of rules) {
    if (rule.negate || !rule.re) continue;
    let st;
    try {
      st = fs.lstatSync(path.join(workspace, rule.base));
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(rule.base);
    else if (st.isFile()) consider(rule.base);
  }
  if (!files.size) return "";
  const all = crypto.createHash("sha256");
  for (const f of [...files].sort())
    all.update(
      crypto
        .createHash("sha256")
        .update(fs.readFileSync(path.join(workspace, f)))
        .digest(),
    );
  return all.digest("hex");
}

/** hashFiles(patterns…) over `workspace`, walked as `user` with the Node in `nodeDir`. */
export function hashFiles(user: JobUser, nodeDir: string, workspace: string, patterns: string[]): string {
  const lines = checkPatterns(patterns);
  if (!lines.length) throw new ExpressionError("hashFiles() needs at least one pattern");
  const code = `process.stdout.write((${hashFilesIn.toString()})(process.argv[1], process.argv.slice(2)))`;
  const argv = user.wrap([join(nodeDir, "node"), "-e", code, workspace, ...lines]);
  const r = spawnSync(argv[0], argv.slice(1), { cwd: workspace, encoding: "utf8", env: { PATH: "/usr/bin:/bin" }, timeout: 120_000 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n").slice(-1)[0];
    throw new ExpressionError(`hashFiles(${lines.map((l) => `'${l}'`).join(", ")}) could not read the workspace: ${why}`);
  }
  return r.stdout.trim();
}
