// Read-only tools: list, read, search, outline. Reading is allowed anywhere in the repo
// (except .git, node_modules and through symlinks); writing is not (see edit.ts).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Node, Project } from "ts-morph";
import { z } from "zod";
import { resolveReadable } from "../paths.ts";
import { repoPath, tool, type ToolContext } from "./context.ts";

const MAX_READ = 24_000;

export const listFiles = tool({
  name: "list_files",
  description: "List files under a directory of the repository (recursive, at most 400 entries).",
  schema: z.object({ path: repoPath.default(".") }).strict(),
  run({ path }, ctx) {
    const rel = resolveReadable(ctx.root, path);
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(join(ctx.root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (out.length >= 400) return;
        if (e.name === ".git" || e.name === "node_modules") continue;
        const p = dir === "." ? e.name : `${dir}/${e.name}`;
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) out.push(p);
      }
    };
    if (!statSync(join(ctx.root, rel)).isDirectory()) return `${rel} is a file, not a directory`;
    walk(rel);
    return out.length === 0 ? "(empty)" : out.join("\n") + (out.length >= 400 ? "\n… (truncated at 400)" : "");
  },
});

export const readFile = tool({
  name: "read_file",
  description: "Read a text file, with 1-based line numbers. Optionally a line range.",
  schema: z
    .object({
      path: repoPath,
      startLine: z.number().int().min(1).optional(),
      endLine: z.number().int().min(1).optional(),
    })
    .strict(),
  run({ path, startLine, endLine }, ctx) {
    const rel = resolveReadable(ctx.root, path);
    const text = readFileSync(join(ctx.root, rel), "utf8");
    const lines = text.split("\n");
    const from = (startLine ?? 1) - 1;
    const to = Math.min(lines.length, endLine ?? lines.length);
    const numbered = lines
      .slice(from, to)
      .map((l, i) => `${String(from + i + 1).padStart(4)}| ${l}`)
      .join("\n");
    return numbered.length > MAX_READ ? `${numbered.slice(0, MAX_READ)}\n… (truncated; ask for a line range)` : numbered;
  },
});

export const search = tool({
  name: "search",
  description: "Search the repository's text files (git grep). Fixed string unless regex is true.",
  schema: z
    .object({
      query: z.string().min(1).max(200),
      regex: z.boolean().default(false),
      path: repoPath.optional().describe("Limit to this directory or file"),
    })
    .strict(),
  run({ query, regex, path }, ctx) {
    const rel = path ? resolveReadable(ctx.root, path) : ".";
    try {
      const out = execFileSync(
        "git",
        ["grep", "-n", "-I", "--untracked", "--max-count=20", regex ? "-E" : "-F", "-e", query, "--", rel, ":(exclude)node_modules"],
        {
          cwd: ctx.root,
          encoding: "utf8",
          maxBuffer: 8 * 1024 * 1024,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      const lines = out.split("\n").filter(Boolean);
      return lines.slice(0, 100).join("\n") + (lines.length > 100 ? `\n… (${lines.length - 100} more matches)` : "");
    } catch (e) {
      const err = e as { status?: number; stderr?: string };
      if (err.status === 1) return "no matches";
      return `search failed: ${String(err.stderr ?? e).trim()}`;
    }
  },
});

export const outline = tool({
  name: "outline",
  description: "The outline of a TypeScript file: imports, exports, functions, classes and members, variables, types — with line numbers.",
  schema: z.object({ path: repoPath }).strict(),
  run({ path }, ctx: ToolContext) {
    const rel = resolveReadable(ctx.root, path);
    const project = new Project({ useInMemoryFileSystem: true });
    const sf = project.createSourceFile(`/${rel}`, readFileSync(join(ctx.root, rel), "utf8"));
    const out: string[] = [];
    for (const imp of sf.getImportDeclarations())
      out.push(`${imp.getStartLineNumber()}: import ${imp.getImportClause()?.getText() ?? ""} from "${imp.getModuleSpecifierValue()}"`);
    for (const st of sf.getStatements()) {
      const line = st.getStartLineNumber();
      const exp = Node.isExportable(st) && st.isExported() ? "export " : "";
      if (Node.isFunctionDeclaration(st))
        out.push(
          `${line}: ${exp}function ${st.getName() ?? "(default)"}(${st
            .getParameters()
            .map((p) => p.getText())
            .join(", ")})`,
        );
      else if (Node.isClassDeclaration(st)) {
        out.push(`${line}: ${exp}class ${st.getName() ?? "(default)"}`);
        for (const m of st.getMembers())
          out.push(`${m.getStartLineNumber()}:   ${Node.hasName(m) ? m.getName() : m.getKindName()} (${m.getKindName()})`);
      } else if (Node.isVariableStatement(st)) {
        for (const d of st.getDeclarations()) out.push(`${line}: ${exp}${st.getDeclarationKind()} ${d.getName()}`);
      } else if (Node.isInterfaceDeclaration(st) || Node.isTypeAliasDeclaration(st)) out.push(`${line}: ${exp}type ${st.getName()}`);
      else if (Node.isExportAssignment(st))
        out.push(`${line}: export default ${st.getExpression().getText().slice(0, 60).replace(/\s+/g, " ")}…`);
    }
    return out.join("\n") || "(no declarations)";
  },
});
