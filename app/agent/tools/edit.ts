// Writing tools. Every write goes through the policy's guard (editable, not protected),
// the path checks (no traversal, absolute paths, .git or symlinks) and, for TypeScript,
// a syntax check (JSON for .json files): an edit that would not parse is refused and nothing is written.
// write_file only creates; existing files change by exact-match replacement or on the syntax tree.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Node, Project, SyntaxKind, type SourceFile } from "ts-morph";
import { z } from "zod";
import { atomicWrite, PathRefused, resolveWritable } from "../paths.ts";
import { repoPath, tool, type ToolContext } from "./context.ts";

const MAX_FILE = 100_000;

/** A tool call the tool will not carry out as asked (the model should do it another way); nothing was written. */
export class EditRefused extends Error {}
const code = (what: string) => z.string().min(1).max(MAX_FILE).describe(what);

function guarded(ctx: ToolContext, path: string): string {
  try {
    return resolveWritable(ctx.root, path, ctx.guard);
  } catch (e) {
    if (e instanceof PathRefused) ctx.refusals.push(`write to ${path}: ${e.message}`);
    throw e;
  }
}

/** Syntax errors of a TypeScript text, as "line N: message". */
export function syntaxErrors(path: string, text: string): string[] {
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { noLib: true } });
  const sf = project.createSourceFile(`/${path}`, text);
  return project
    .getProgram()
    .compilerObject.getSyntacticDiagnostics(sf.compilerNode)
    .map((d) => {
      const line = d.start === undefined ? "?" : sf.getLineAndColumnAtPos(d.start).line;
      const msg = typeof d.messageText === "string" ? d.messageText : d.messageText.messageText;
      return `line ${line}: ${msg}`;
    });
}

const isTs = (p: string) => /\.(ts|tsx|mts|cts)$/.test(p);

function commit(ctx: ToolContext, rel: string, text: string): string {
  if (text.length > MAX_FILE) throw new Error(`refused: ${rel} would be ${text.length} characters (max ${MAX_FILE})`);
  if (isTs(rel)) {
    const errors = syntaxErrors(rel, text);
    if (errors.length > 0) throw new Error(`refused: ${rel} would not parse, nothing was written:\n${errors.slice(0, 10).join("\n")}`);
  } else if (rel.endsWith(".json")) {
    try {
      JSON.parse(text);
    } catch (e) {
      throw new Error(`refused: ${rel} would not be valid JSON (${(e as Error).message}), nothing was written`, { cause: e });
    }
  }
  atomicWrite(ctx.root, rel, text);
  ctx.written.add(rel);
  return `wrote ${rel} (${text.split("\n").length} lines)`;
}

/** Loads a TypeScript file into memory, applies `edit`, writes once. */
function editTs(ctx: ToolContext, path: string, edit: (sf: SourceFile) => string): string {
  const rel = guarded(ctx, path);
  if (!isTs(rel)) throw new Error(`${rel} is not a TypeScript file`);
  const full = join(ctx.root, rel);
  if (!existsSync(full)) throw new Error(`${rel} does not exist (use write_file to create it)`);
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { noLib: true } });
  const sf = project.createSourceFile(`/${rel}`, readFileSync(full, "utf8"));
  const what = edit(sf);
  return `${what}; ${commit(ctx, rel, sf.getFullText())}`;
}

/** Parses a snippet and returns its single top-level statement of the wanted kind. */
function parseOne<T extends Node>(snippet: string, pick: (sf: SourceFile) => T | undefined, what: string): T {
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { noLib: true } });
  const sf = project.createSourceFile("/snippet.ts", snippet);
  const errs = syntaxErrors("snippet.ts", snippet);
  if (errs.length > 0) throw new Error(`the ${what} does not parse:\n${errs.join("\n")}`);
  const node = pick(sf);
  if (!node) throw new Error(`expected exactly one ${what}`);
  return node;
}

export const writeFile = tool({
  name: "write_file",
  description:
    "Create a new file (only inside the editable paths). It never replaces an existing file: change those with replace_in_file or the syntax-aware tools.",
  schema: z.object({ path: repoPath, content: code("The complete content of the new file") }).strict(),
  run({ path, content }, ctx) {
    const rel = guarded(ctx, path);
    if (existsSync(join(ctx.root, rel)))
      throw new EditRefused(
        `${rel} already exists and write_file only creates new files; nothing was written. Change it with replace_in_file (exact text) or the syntax-aware tools (upsert_function, set_object_property, …).`,
      );
    return commit(ctx, rel, content);
  },
});

/** Start offsets of every occurrence of `needle` in `text`, overlapping ones included. */
function occurrences(text: string, needle: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) at.push(i);
  return at;
}

export const replaceInFile = tool({
  name: "replace_in_file",
  description:
    "Replace one exact piece of text in an existing file. `old` must occur exactly once (copy it from read_file, whitespace included; add surrounding lines to make it unique); `new` takes its place. The file must still parse afterwards.",
  schema: z
    .object({
      path: repoPath,
      old: code("The exact text to replace; it must occur exactly once in the file"),
      new: z.string().max(MAX_FILE).describe("The text to put in its place (may be empty to delete)"),
    })
    .strict(),
  run({ path, old, new: replacement }, ctx) {
    const rel = guarded(ctx, path);
    const full = join(ctx.root, rel);
    if (!existsSync(full)) throw new EditRefused(`${rel} does not exist (use write_file to create it); nothing was written`);
    const text = readFileSync(full, "utf8");
    const found = occurrences(text, old);
    if (found.length !== 1)
      throw new EditRefused(
        found.length === 0
          ? `the text to replace was not found in ${rel} (0 matches); nothing was written. Read the file and copy the text exactly, whitespace included.`
          : `the text to replace occurs ${found.length} times in ${rel}, so it is ambiguous; nothing was written. Include more of the surrounding lines so it matches exactly once.`,
      );
    const at = found[0];
    const line = text.slice(0, at).split("\n").length;
    const result = commit(ctx, rel, text.slice(0, at) + replacement + text.slice(at + old.length));
    return `replaced 1 match at line ${line}; ${result}`;
  },
});

export const addImport = tool({
  name: "add_import",
  description: "Add an import declaration to a TypeScript file (merged into an existing import of the same module).",
  schema: z
    .object({
      path: repoPath,
      module: z.string().min(1).max(200),
      named: z
        .array(z.string().regex(/^[A-Za-z_$][\w$]*( as [A-Za-z_$][\w$]*)?$/))
        .max(30)
        .default([]),
      defaultImport: z
        .string()
        .regex(/^[A-Za-z_$][\w$]*$/)
        .optional(),
      typeOnly: z.boolean().default(false),
    })
    .strict()
    .refine((a) => a.named.length > 0 || a.defaultImport !== undefined, { message: "give named imports or a defaultImport" }),
  run(a, ctx) {
    return editTs(ctx, a.path, (sf) => {
      const existing = sf.getImportDeclaration(
        (d) => d.getModuleSpecifierValue() === a.module && d.isTypeOnly() === a.typeOnly && !d.getNamespaceImport(),
      );
      if (existing) {
        const have = new Set(existing.getNamedImports().map((n) => n.getText()));
        for (const n of a.named) if (!have.has(n)) existing.addNamedImport(n);
        if (a.defaultImport && !existing.getDefaultImport()) existing.setDefaultImport(a.defaultImport);
        return `merged into the import of "${a.module}"`;
      }
      sf.addImportDeclaration({ moduleSpecifier: a.module, namedImports: a.named, defaultImport: a.defaultImport, isTypeOnly: a.typeOnly });
      return `added import of "${a.module}"`;
    });
  },
});

export const upsertFunction = tool({
  name: "upsert_function",
  description: "Add a top-level function declaration, or replace the one with the same name. `code` is the full declaration.",
  schema: z.object({ path: repoPath, code: code("e.g. export function greet(name: string): string { … }") }).strict(),
  run({ path, code: snippet }, ctx) {
    const fn = parseOne(snippet, (s) => (s.getStatements().length === 1 ? s.getFunctions()[0] : undefined), "function declaration");
    const name = fn.getName();
    if (!name) throw new Error("the function needs a name");
    return editTs(ctx, path, (sf) => {
      const old = sf.getFunction(name);
      if (old) {
        old.replaceWithText(fn.getText());
        return `replaced function ${name}`;
      }
      sf.addStatements(fn.getText());
      return `added function ${name}`;
    });
  },
});

export const upsertClassMember = tool({
  name: "upsert_class_member",
  description:
    "Add a member (method, property, getter…) to a class, or replace the member with the same name. `code` is the member's full text.",
  schema: z
    .object({ path: repoPath, className: z.string().regex(/^[A-Za-z_$][\w$]*$/), code: code("e.g. greet(): string { return 'hi'; }") })
    .strict(),
  run({ path, className, code: snippet }, ctx) {
    const member = parseOne(
      `class __Ouro__ {\n${snippet}\n}`,
      (s) => {
        const members = s.getClass("__Ouro__")?.getMembers() ?? [];
        return members.length === 1 ? members[0] : undefined;
      },
      "class member",
    );
    if (!Node.hasName(member)) throw new Error("the member needs a name");
    const name = member.getName();
    return editTs(ctx, path, (sf) => {
      const cls = sf.getClass(className);
      if (!cls) throw new Error(`no class ${className} in ${path}`);
      const old = cls.getMembers().find((m) => Node.hasName(m) && m.getName() === name);
      if (old) {
        old.replaceWithText(member.getText());
        return `replaced ${className}.${name}`;
      }
      cls.addMember(member.getText());
      return `added ${className}.${name}`;
    });
  },
});

export const setObjectProperty = tool({
  name: "set_object_property",
  description:
    'Set a property in an object literal: the initializer of variable `variable`, or the first object argument of a call initializing it (e.g. definePlugin({...})). Use variable "default" for `export default …`.',
  schema: z
    .object({
      path: repoPath,
      variable: z.string().regex(/^[A-Za-z_$][\w$]*$/),
      property: z.string().regex(/^[A-Za-z_$][\w$]*$/),
      value: code("A TypeScript expression"),
    })
    .strict(),
  run({ path, variable, property, value }, ctx) {
    parseOne(`(${value});`, (s) => s.getStatements()[0], "expression");
    return editTs(ctx, path, (sf) => {
      const init =
        variable === "default"
          ? sf.getExportAssignment((e) => !e.isExportEquals())?.getExpression()
          : sf.getVariableDeclaration(variable)?.getInitializer();
      if (!init) throw new Error(`no ${variable === "default" ? "export default" : `variable ${variable}`} in ${path}`);
      const obj =
        init.asKind(SyntaxKind.ObjectLiteralExpression) ??
        init
          .asKind(SyntaxKind.CallExpression)
          ?.getArguments()
          .find((a) => a.isKind(SyntaxKind.ObjectLiteralExpression))
          ?.asKind(SyntaxKind.ObjectLiteralExpression);
      if (!obj) throw new Error(`${variable} is not an object literal (or a call with one)`);
      const old = obj.getProperty(property);
      if (old?.isKind(SyntaxKind.PropertyAssignment)) {
        old.setInitializer(value);
        return `replaced ${variable}.${property}`;
      }
      if (old) old.remove();
      obj.addPropertyAssignment({ name: property, initializer: value });
      return `set ${variable}.${property}`;
    });
  },
});

export const insertStatement = tool({
  name: "insert_statement",
  description: "Insert statements at the start or end of a file, or of a named function's body.",
  schema: z
    .object({
      path: repoPath,
      code: code("One or more statements"),
      position: z.enum(["start", "end"]).default("end"),
      inFunction: z
        .string()
        .regex(/^[A-Za-z_$][\w$]*$/)
        .optional(),
    })
    .strict(),
  run({ path, code: snippet, position, inFunction }, ctx) {
    const errs = syntaxErrors("snippet.ts", snippet);
    if (errs.length > 0) throw new Error(`the statements do not parse:\n${errs.join("\n")}`);
    return editTs(ctx, path, (sf) => {
      if (inFunction) {
        const fn = sf.getFunction(inFunction);
        if (!fn) throw new Error(`no function ${inFunction} in ${path}`);
        if (position === "start") fn.insertStatements(0, snippet);
        else fn.addStatements(snippet);
        return `inserted into ${inFunction}`;
      }
      if (position === "start") sf.insertStatements(sf.getImportDeclarations().length, snippet);
      else sf.addStatements(snippet);
      return `inserted at the ${position} of the file`;
    });
  },
});

export const appendToArray = tool({
  name: "append_to_array",
  description: "Append an element to the array literal initializing a variable (e.g. the `plugins` registry in bot/plugins/index.ts).",
  schema: z
    .object({
      path: repoPath,
      variable: z.string().regex(/^[A-Za-z_$][\w$]*$/),
      element: code("A TypeScript expression, e.g. an imported identifier"),
    })
    .strict(),
  run({ path, variable, element }, ctx) {
    parseOne(`(${element});`, (s) => s.getStatements()[0], "expression");
    return editTs(ctx, path, (sf) => {
      const arr = sf.getVariableDeclaration(variable)?.getInitializerIfKind(SyntaxKind.ArrayLiteralExpression);
      if (!arr) throw new Error(`no variable ${variable} initialized with an array literal in ${path}`);
      if (arr.getElements().some((e) => e.getText() === element.trim())) return `${element} is already in ${variable}`;
      arr.addElement(element.trim());
      return `appended to ${variable}`;
    });
  },
});
