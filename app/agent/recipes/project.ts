// Recipes edit syntax trees in an in-memory ts-morph project seeded from the worktree (and
// data files such as JSON as text), then hand back every output file at once: nothing is
// written unless all edits succeeded.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { IndentationText, Project, QuoteKind, type SourceFile } from "ts-morph";

export interface EditSession {
  project: Project;
  /** Loads a repo file (relative path) from the worktree into memory. */
  open(rel: string): SourceFile;
  create(rel: string): SourceFile;
  exists(rel: string): boolean;
  /** A data file's text: the session's version when written here, else the worktree's. */
  readText(rel: string): string;
  /** Sets a data file's whole text (not a TypeScript file: those go through the project). */
  writeText(rel: string, text: string): void;
  /** Formatted text of every file created or changed in this session. */
  outputs(): Map<string, string>;
}

export function editSession(root: string): EditSession {
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double, useTrailingCommas: true },
  });
  const touched = new Set<string>();
  const created = new Set<string>();
  const texts = new Map<string, string>();
  const key = (rel: string) => `/${rel}`;
  return {
    project,
    open(rel) {
      touched.add(rel);
      return project.getSourceFile(key(rel)) ?? project.createSourceFile(key(rel), readFileSync(join(root, rel), "utf8"));
    },
    create(rel) {
      if (existsSync(join(root, rel))) throw new Error(`${rel} already exists`);
      touched.add(rel);
      created.add(rel);
      return project.createSourceFile(key(rel), "");
    },
    exists: (rel) => existsSync(join(root, rel)),
    readText: (rel) => texts.get(rel) ?? readFileSync(join(root, rel), "utf8"),
    writeText(rel, text) {
      if (/\.(ts|tsx|mts|cts)$/.test(rel)) throw new Error(`${rel} is TypeScript: edit it on the syntax tree`);
      texts.set(rel, text);
    },
    outputs() {
      const out = new Map<string, string>(texts);
      for (const rel of [...touched].sort()) {
        const sf = project.getSourceFileOrThrow(key(rel));
        // New files get the formatter; existing ones keep their layout (a minimal diff).
        if (created.has(rel)) sf.formatText({ indentSize: 2, convertTabsToSpaces: true });
        out.set(rel, sf.getFullText());
      }
      return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    },
  };
}

/** A JavaScript literal for a value (JSON is valid JS for these). */
export function literal(value: string | number | boolean): string {
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error("numbers must be finite");
  return JSON.stringify(value);
}

/** `my-cool-cmd` → `myCoolCmd`. */
export function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
