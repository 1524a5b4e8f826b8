// Recipes edit syntax trees in an in-memory ts-morph project seeded from the worktree,
// then hand back every output file at once: nothing is written unless all edits succeeded.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { IndentationText, Project, QuoteKind, type SourceFile } from "ts-morph";

export interface EditSession {
  project: Project;
  /** Loads a repo file (relative path) from the worktree into memory. */
  open(rel: string): SourceFile;
  create(rel: string): SourceFile;
  exists(rel: string): boolean;
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
    outputs() {
      const out = new Map<string, string>();
      for (const rel of [...touched].sort()) {
        const sf = project.getSourceFileOrThrow(key(rel));
        // New files get the formatter; existing ones keep their layout (a minimal diff).
        if (created.has(rel)) sf.formatText({ indentSize: 2, convertTabsToSpaces: true });
        out.set(rel, sf.getFullText());
      }
      return out;
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
