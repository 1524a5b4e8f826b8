// The state of one code file's analysis, shared by every visitor (see walk.ts): the parsed
// file, what the policy asks, the names known so far, what the walk gathers for judging at
// the end, and `report`, which keeps only findings on changed code.
import { posix } from "node:path";
import type { ChangedFile, Severity } from "../../types.ts";
import type { Policy } from "../../policy/schema.ts";
import { matcherFor } from "../../policy/globs.ts";
import { strictSeverity, type Emit, type RuleContext } from "../context.ts";
import type { StringLiteral } from "../secrets.ts";
import { isTestFile } from "../tests.ts";
import { forEachChild, type Identifier, type Node } from "./ast.ts";
import { lineAndCharacter, lineStarts } from "./parse.ts";
import { normalizeModule, Scope } from "./values.ts";

/** What a visitor returns: "skip-children" keeps the walk out of the node's children. */
export type Descend = void | "skip-children";

const ALWAYS_SENSITIVE_MODULES = ["fs", "fs/promises", "http", "https", "module", "child_process", "vm"];

export class Analysis {
  readonly policy: Policy;
  readonly api: Policy["forbiddenApis"];
  readonly file: ChangedFile;
  readonly program: Node;
  /** the file's text (node.start/end are UTF-16 offsets into it) */
  readonly text: string;
  /** Aliases (name → path) and const strings, per file, in source order. */
  readonly scope: Scope;
  readonly inTestFile: boolean;
  /** error for a self-edit, warning for a human PR */
  readonly strict: Severity;
  /** forbidden-API, network and env rules: every file of a self-edit, apiPaths for everyone */
  readonly apiRules: boolean;
  /** Modules whose object (not a member of it) counts as sensitive, e.g. for computed access. */
  readonly sensitiveModules: Set<string>;
  /** The plugin folder the file lies in (or its own folder): modules outside it are foreign. */
  readonly pluginRoot: string;
  /** The text holds `\u` somewhere: only then can an identifier be written with escapes. */
  readonly mayHaveEscapes: boolean;

  // gathered during the walk
  /** names (re)bound on an added line: an unchanged line that uses one changes meaning too */
  readonly tainted = new Set<string>();
  /** names declared anywhere in the file (per file, like the aliases) */
  readonly declared = new Set<string>();
  /** identifiers assigned to: judged after the walk, when every declaration has been seen */
  readonly assigned: Identifier[] = [];
  /** names exported, judged after the walk */
  readonly exported: { name: string; node: Node }[] = [];
  /** fs reads let through as "next to the module" that rely on URL or __dirname meaning the real ones */
  readonly localReads: { node: Node; helper: string }[] = [];
  /** names bound to a prototype: const p = Object.getPrototypeOf({}); p.isAdmin = true */
  readonly prototypeNames = new Set<string>();
  /** other names a Discord client goes by (const c = interaction.client; (bot: Client) => …) */
  readonly clientNames = new Set<string>();
  /** string literals on changed lines (for the secrets and dangerous-string checks) */
  readonly strings: StringLiteral[] = [];

  /** a copy, a rename or a type change brings in text never analysed as code at this path */
  private readonly allAdded: boolean;
  private readonly added: Set<number>;
  private readonly emit: Emit;
  private readonly starts: number[];

  constructor(ctx: RuleContext, file: ChangedFile, program: Node, emit: Emit) {
    const policy = ctx.policy;
    this.policy = policy;
    this.api = policy.forbiddenApis;
    this.file = file;
    this.program = program;
    this.text = file.after ?? "";
    this.starts = lineStarts(this.text);
    this.emit = emit;
    // all of it counts as added (e.g. notes.txt → run.ts)
    this.allAdded = file.status === "added" || file.status === "copied" || file.status === "renamed" || file.status === "type-changed";
    this.added = new Set(file.addedLines);
    // globals named in the policy resolve too (a maintainer may forbid Atomics or Buffer.allocUnsafe)
    this.scope = new Scope([...this.api.globals, ...this.api.members.map((m) => m.split(".")[0]), "vi"]);
    this.strict = strictSeverity(ctx);
    this.inTestFile = isTestFile(ctx, file.path);
    this.sensitiveModules = new Set([
      ...ALWAYS_SENSITIVE_MODULES,
      ...this.api.modules.map(normalizeModule),
      ...policy.network.modules.map(normalizeModule),
    ]);
    this.apiRules = ctx.selfEdit || matcherFor(policy.code.apiPaths)(file.path);
    // a module outside this plugin's folder (a package, a built-in or the bot core): its
    // exported values are shared with the core, so changing them changes the core
    this.pluginRoot = /^(.*?\/plugins\/[^/]+)\//.exec(file.path)?.[1] ?? posix.dirname(file.path);
    this.mayHaveEscapes = (file.after ?? "").includes("\\u");
  }

  /** 0-based line and character of a position in the file. */
  lineOf(pos: number): { line: number; character: number } {
    return lineAndCharacter(this.starts, pos);
  }

  /** The source text of a node. */
  textOf(node: Node): string {
    return this.text.slice(node.start, node.end);
  }

  /** The node lies (at least partly) on an added line. */
  touched(node: Node): boolean {
    if (this.allAdded) return true;
    const start = this.lineOf(node.start).line + 1;
    const end = this.lineOf(node.end).line + 1;
    for (let l = start; l <= end; l++) if (this.added.has(l)) return true;
    return false;
  }

  /** Binds `name` to `path`; a binding on an added line taints the name. */
  bind(name: string, path: string | undefined, declaration: Node): void {
    // never forgotten: names are tracked per file, not per block, so a harmless
    // redeclaration elsewhere must not hide a dangerous binding (fail closed)
    if (path !== undefined) this.scope.aliases.set(name, path);
    if (!this.allAdded && this.touched(declaration)) this.tainted.add(name);
  }

  /** Emits a finding at `node` if it touches an added line (or a name rebound on one). */
  report(node: Node, rule: string, message: string, severity: Severity = "error"): void {
    if (!this.apiRules && rule.startsWith("api/")) return;
    if (!this.touched(node) && !this.usesTainted(node)) return;
    const { line, character } = this.lineOf(node.start);
    this.emit({ rule, severity, file: this.file.path, line: line + 1, column: character + 1, message });
  }

  /** Emits a finding as it is (no changed-line filter): judgments on the file as a whole. */
  emitFinding(finding: Parameters<Emit>[0]): void {
    this.emit(finding);
  }

  private usesTainted(node: Node): boolean {
    if (this.tainted.size === 0) return false;
    let found = false;
    const look = (n: Node): void => {
      if (found) return;
      if (n.type === "Identifier" && this.tainted.has(n.name)) found = true;
      else forEachChild(n, look);
    };
    look(node);
    return found;
  }
}
