// `npm run bench -- typecheck`: do tsc 5.9 and the native compiler (tsgo) give the same
// verdicts? (a) On this tree (`-p tsconfig.json`, as `npm run typecheck` runs them; 3 runs each,
// interleaved, medians). (b) On a corpus of broken plugin changes, each typechecked the way the
// agent does it (app/agent/checks.ts: its generated tsconfig, in the sandbox) with each compiler.
// Compared: pass/fail, and the diagnostics' file, line, column and code (text too). Re-run
// it when either compiler changes. Last run: see the README (the agent's typecheck).
import { execSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseTscOutput, typecheck, type CheckOutcome, type Diagnostic } from "../app/agent/checks.ts";
import type { CompilerName } from "../app/agent/typechecker.ts";
import { createWorktree } from "../app/agent/worktree.ts";
import { figure, percentile, report, type Figure } from "./report.ts";

const project = fileURLToPath(new URL("..", import.meta.url));
const SCRIPTS: Record<CompilerName, string> = {
  tsc: join(project, "node_modules/typescript/bin/tsc"),
  tsgo: join(project, "node_modules/@typescript/native-preview/bin/tsgo"),
};
const RUNS = 3;

const key = (d: Diagnostic) => `${d.file ?? "-"}:${d.line ?? 0}:${d.column ?? 0} ${d.message.split(":")[0]}`;
const codes = (ds: Diagnostic[]) => [...new Set(ds.map((d) => d.message.split(":")[0]))].join(" ") || "-";

interface Judged {
  ok: boolean;
  diagnostics: Diagnostic[];
  ms: number;
}

/**
 * How two judgements compare: "yes" (same pass/fail, and the same diagnostics by file, line,
 * column and code), "code" (same pass/fail and places, another code at one of them), or "NO"
 * (pass/fail or places differ), with the differences in words.
 */
function compare(a: Judged, b: Judged): { agree: "yes" | "code" | "NO"; why?: string } {
  if (a.ok !== b.ok) return { agree: "NO", why: `tsc ${a.ok ? "passes" : "fails"}, tsgo ${b.ok ? "passes" : "fails"}` };
  const ka = a.diagnostics.map(key);
  const kb = b.diagnostics.map(key);
  const onlyA = ka.filter((k) => !kb.includes(k));
  const onlyB = kb.filter((k) => !ka.includes(k));
  if (!onlyA.length && !onlyB.length) return { agree: "yes" };
  const why = [`only tsc: ${onlyA.join(", ") || "-"}`, `only tsgo: ${onlyB.join(", ") || "-"}`].join("; ");
  const place = (k: string) => k.split(" ")[0];
  const samePlaces = [...new Set(ka.map(place))].sort().join() === [...new Set(kb.map(place))].sort().join();
  return { agree: samePlaces ? "code" : "NO", why };
}

/** Same places and codes, different wording (reported, not a disagreement of verdict). */
function textDiffers(a: Judged, b: Judged): string[] {
  const byKey = new Map(b.diagnostics.map((d) => [key(d), d.message]));
  return a.diagnostics
    .filter((d) => byKey.has(key(d)) && byKey.get(key(d)) !== d.message)
    .map((d) => `${key(d)}: "${d.message}" vs "${byKey.get(key(d))}"`);
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const verdict = (j: Judged) => (j.ok ? "pass" : `fail ${codes(j.diagnostics)}`);

// ─────────────────────────────── (a) this tree ───────────────────────────────

/** CPU time of this process's waited-for children so far (Linux: /proc/self/stat cutime + cstime, 100 ticks/s), else NaN. */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields[0] is field 3 (state)
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
}

function runOnTree(name: CompilerName): Judged & { code: number | null; cpuMs: number } {
  const cpu = childrenCpuMs();
  const t = performance.now();
  const r = spawnSync(process.execPath, [SCRIPTS[name], "--noEmit", "-p", "tsconfig.json", "--pretty", "false"], {
    cwd: project,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - t;
  return {
    ok: r.status === 0,
    code: r.status,
    diagnostics: parseTscOutput(r.stdout + r.stderr, project),
    ms,
    cpuMs: childrenCpuMs() - cpu,
  };
}

console.log(`typecheck: this tree, tsc vs tsgo, ${RUNS} runs each, interleaved`);
const tree: Record<CompilerName, ReturnType<typeof runOnTree>[]> = { tsc: [], tsgo: [] };
for (let i = 0; i < RUNS; i++) {
  for (const name of (i % 2 === 0 ? ["tsc", "tsgo"] : ["tsgo", "tsc"]) as CompilerName[]) {
    const r = runOnTree(name);
    tree[name].push(r);
    console.log(
      `  run ${i + 1} ${pad(name, 4)} ${pad(verdict(r), 24).slice(0, 24)} exit ${r.code} ${Math.round(r.ms)} ms, CPU ${Math.round(r.cpuMs)} ms (${r.diagnostics.length} diagnostics)`,
    );
  }
}
const treeMs = (name: CompilerName) =>
  percentile(
    tree[name].map((r) => r.ms),
    50,
  );
const treeCmp = compare(tree.tsc[0], tree.tsgo[0]);
const treeCpu = (name: CompilerName) =>
  percentile(
    tree[name].map((r) => r.cpuMs),
    50,
  );
console.log(
  `  this tree: ${treeCmp.agree === "yes" ? `agree (${tree.tsc[0].diagnostics.length} diagnostics each)` : `DIFFER (${treeCmp.why})`}; median tsc ${Math.round(treeMs("tsc"))} ms (CPU ${Math.round(treeCpu("tsc"))} ms), tsgo ${Math.round(treeMs("tsgo"))} ms (CPU ${Math.round(treeCpu("tsgo"))} ms)`,
);
for (const t of textDiffers(tree.tsc[0], tree.tsgo[0]).slice(0, 10)) console.log(`  text differs: ${t}`);

// ──────────────────────── (b) broken plugin changes ─────────────────────────

interface Case {
  name: string;
  /** The error code the case is built to produce ("pass" for the controls). */
  expect: string;
  /** Files to write (path → content); all count as changed unless `changed` says otherwise. */
  files: Record<string, string>;
  changed?: string[];
}

const API = "../../plugin-api/index.ts";
/** A plugin `n` whose command runs `body`, with `head` above it. */
const plugin = (n: string, body: string, head = "", extra = "") => `import { definePlugin } from "${API}";
${head}
export default definePlugin({
  name: "${n}",
  description: "Bench case ${n}",
  commands: [
    {
      name: "${n}",
      description: "Bench",
      async run(call) {
        ${body}
      },
    },
  ],${extra}
});
`;
const registry = (n: string, element = n) => `import type { Plugin } from "../plugin-api/index.ts";
import ping from "./ping/index.ts";
import ${n} from "./${n}/index.ts";

export const plugins: Plugin[] = [ping, ${element}];
`;
/** A case: plugin `n` at bot/plugins/n/index.ts, registered. */
const pluginCase = (name: string, expect: string, n: string, src: string, more: Record<string, string> = {}): Case => ({
  name,
  expect,
  files: { [`bot/plugins/${n}/index.ts`]: src, "bot/plugins/index.ts": registry(n), ...more },
});

const cases: Case[] = [
  pluginCase("valid plugin (control)", "pass", "hello", plugin("hello", "await call.reply(`Hello ${call.user.name}!`);")),
  pluginCase("valid plugin + test (control)", "pass", "hi", plugin("hi", 'await call.reply("hi");'), {
    "bot/plugins/hi/hi.test.ts": `import { expect, it } from "vitest";
import { runCommand } from "../../plugin-api/testing.ts";
import hi from "./index.ts";
it("says hi", async () => expect(await runCommand(hi, "hi")).toEqual([{ kind: "reply", message: "hi" }]));
`,
  }),
  pluginCase("wrong argument type", "TS2345", "argtype", plugin("argtype", "await call.reply(42);")),
  pluginCase(
    "missing property",
    "TS2345",
    "noprop",
    `import { definePlugin } from "${API}";
export default definePlugin({ name: "noprop", commands: [] });
`,
  ),
  pluginCase("property that does not exist", "TS2551", "typo", plugin("typo", 'await call.replyy("x");')),
  pluginCase(
    "unknown import (module)",
    "TS2307",
    "nomod",
    plugin("nomod", "await call.reply(helper);", 'import { helper } from "./helper.ts";'),
  ),
  pluginCase(
    "unknown import (export)",
    "TS2305",
    "noexport",
    plugin("noexport", "await call.reply(shout());", `import { shout } from "${API}";`),
  ),
  pluginCase(
    "implicit any under strict",
    "TS7006",
    "anyparam",
    plugin("anyparam", 'await call.reply(twice("a"));', "function twice(s) {\n  return s + s;\n}"),
  ),
  pluginCase(
    "wrong return type",
    "TS2322",
    "ret",
    plugin("ret", "await call.reply(count());", "function count(): string {\n  return 42;\n}"),
  ),
  pluginCase(
    "unused @ts-expect-error",
    "TS2578",
    "expecterr",
    plugin("expecterr", '// @ts-expect-error nothing is wrong here\nawait call.reply("fine");'),
  ),
  pluginCase("syntax error", "TS1005", "syntax", plugin("syntax", 'await call.reply("x";')),
  pluginCase(
    "discord.js API misuse (method)",
    "TS2551",
    "djs",
    plugin("djs", 'await call.reply(new EmbedBuilder().setTitel("x").data.title ?? "");', 'import { EmbedBuilder } from "discord.js";'),
  ),
  pluginCase(
    "discord.js API misuse (argument)",
    "TS2345",
    "djscolor",
    plugin(
      "djscolor",
      'await call.reply(String(new EmbedBuilder().setColor("purple").data.color));',
      'import { EmbedBuilder } from "discord.js";',
    ),
  ),
  pluginCase(
    "possibly undefined (strictNullChecks)",
    "TS18048",
    "guild",
    plugin("guild", "await call.reply(String(call.guildId.length));"),
  ),
  pluginCase("union without narrowing", "TS2339", "optunion", plugin("optunion", "await call.reply(call.options.who.toUpperCase());")),
  pluginCase(
    "Promise used as its value",
    "TS2322",
    "promise",
    plugin("promise", 'const n: string | undefined = call.store.get("k");\n        await call.reply(n ?? "none");'),
  ),
  pluginCase(
    "assignment to a const",
    "TS2588",
    "constant",
    plugin("constant", 'const a = "x";\n        a = "y";\n        await call.reply(a);'),
  ),
  pluginCase(
    "enum under erasableSyntaxOnly",
    "TS1294",
    "enums",
    plugin("enums", "await call.reply(String(Mood.Happy));", "enum Mood {\n  Happy,\n}"),
  ),
  pluginCase(
    "relative import without .ts (nodenext)",
    "TS2835",
    "ext",
    plugin("ext", "await call.reply(WORD);", 'import { WORD } from "./word";'),
    { "bot/plugins/ext/word.ts": 'export const WORD = "w";\n' },
  ),
  pluginCase(
    "type imported without `type` (verbatimModuleSyntax)",
    "TS1484",
    "verbatim",
    plugin("verbatim", 'const r: Reply = "x";\n        await call.reply(r);', `import { Reply } from "${API}";`),
  ),
  pluginCase(
    "nested mismatch (multi-line message)",
    "TS2322",
    "nested",
    plugin("nested", 'await call.reply({ embeds: [{ title: "t", color: "red" }] });'),
  ),
  pluginCase(
    "responder returning the wrong type",
    "TS2322",
    "respond",
    plugin("respond", 'await call.reply("r");', "", '\n  responders: [{ name: "r", trigger: "hi", respond: () => 42 }],'),
  ),
  {
    name: "registry entry of the wrong type",
    expect: "TS2322",
    files: { "bot/plugins/index.ts": registry("ping2", '"not a plugin"').replace('import ping2 from "./ping2/index.ts";\n', "") },
  },
  {
    name: "error in a file the change imports",
    expect: "TS2322",
    files: {
      "bot/plugins/uses/index.ts": plugin("uses", "await call.reply(LIMIT);", 'import { LIMIT } from "./limit.ts";'),
      "bot/plugins/uses/limit.ts": "export const LIMIT: string = 5;\n",
      "bot/plugins/index.ts": registry("uses"),
    },
    changed: ["bot/plugins/uses/index.ts", "bot/plugins/index.ts"],
  },
  pluginCase("plugin test misusing the test helper", "TS2345", "tested", plugin("tested", 'await call.reply("t");'), {
    "bot/plugins/tested/tested.test.ts": `import { expect, it } from "vitest";
import { runCommand } from "../../plugin-api/testing.ts";
import tested from "./index.ts";
it("replies", async () => expect(await runCommand(tested, 42)).toHaveLength(1));
`,
  }),
  pluginCase(
    "Node API misuse",
    "TS2769",
    "nodeapi",
    plugin("nodeapi", 'await call.reply(readFileSync("x", { encoding: "utf9" }));', 'import { readFileSync } from "node:fs";'),
  ),
];

const base = mkdtempSync(join(tmpdir(), "ouro-bench-typecheck-"));
const sh = (cmd: string, cwd = base) => execSync(cmd, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const figures: Record<string, Figure> = {};
const tally = { verdicts: 0, codes: 0 };
try {
  sh("git init -q -b main && git config user.name bench && git config user.email bench@example.com && git config commit.gpgsign false");
  execSync(`git archive HEAD bot policies tsconfig.json package.json | tar -x -C ${JSON.stringify(base)}`, { cwd: project });
  sh("git add -A && git commit -q -m base");
  const wt = createWorktree(base, "main");
  const limits = { timeoutMs: 120_000, memoryMb: 2048 };
  const warnings: string[] = [];
  const judge = async (c: Case, name: CompilerName): Promise<Judged & { outcome: CheckOutcome }> => {
    const outcome = await typecheck(wt.dir, c.changed ?? Object.keys(c.files), limits, (m) => warnings.push(m), name);
    if (outcome.compiler !== name)
      throw new Error(`bench typecheck: asked for ${name}, ${outcome.compiler ?? "nothing"} ran: ${warnings.join("; ")}`);
    return { ok: outcome.ok, diagnostics: outcome.diagnostics, ms: outcome.durationMs, outcome };
  };
  try {
    console.log(`\ntypecheck: ${cases.length} plugin changes, each checked as the agent does (its tsconfig, sandboxed), by each compiler`);
    const header = `  ${pad("case", 52)} ${pad("expects", 8)} ${pad("tsc", 22)} ${pad("tsgo", 22)} ${pad("agree", 5)} ${pad("tsc ms", 7)} tsgo ms`;
    console.log(header);
    const ms: Record<CompilerName, number[]> = { tsc: [], tsgo: [] };
    const notes: string[] = [];
    for (const [i, c] of cases.entries()) {
      for (const [p, content] of Object.entries(c.files)) {
        mkdirSync(dirname(join(wt.dir, p)), { recursive: true });
        writeFileSync(join(wt.dir, p), content);
      }
      // alternate who goes first, so neither always pays a colder cache
      const order: CompilerName[] = i % 2 === 0 ? ["tsc", "tsgo"] : ["tsgo", "tsc"];
      const got = {} as Record<CompilerName, Judged>;
      for (const name of order) got[name] = await judge(c, name);
      const cmp = compare(got.tsc, got.tsgo);
      if (cmp.agree === "NO") tally.verdicts++;
      if (cmp.agree === "code") tally.codes++;
      if (cmp.why) notes.push(`${c.name}: ${cmp.agree === "code" ? "same places, another code: " : ""}${cmp.why}`);
      for (const t of textDiffers(got.tsc, got.tsgo)) notes.push(`${c.name}: same place and code, text differs: ${t}`);
      const expected = c.expect === "pass" ? got.tsc.ok : got.tsc.diagnostics.some((d) => d.message.startsWith(`${c.expect}:`));
      if (!expected) notes.push(`${c.name}: tsc did not give the expected ${c.expect} (${verdict(got.tsc)}): the case needs fixing`);
      ms.tsc.push(got.tsc.ms);
      ms.tsgo.push(got.tsgo.ms);
      console.log(
        `  ${pad(c.name, 52)} ${pad(c.expect, 8)} ${pad(verdict(got.tsc), 22)} ${pad(verdict(got.tsgo), 22)} ${pad(cmp.agree, 5)} ${pad(String(Math.round(got.tsc.ms)), 7)} ${Math.round(got.tsgo.ms)}`,
      );
      sh("git checkout -q -- . && git clean -fdq -e node_modules", wt.dir);
    }
    for (const n of notes) console.log(`  note: ${n}`);
    console.log(
      `  corpus: ${cases.length} cases; pass/fail or places differ in ${tally.verdicts}, another error code at the same place in ${tally.codes}` +
        " (agree: yes = same pass/fail, files, lines, columns and codes; code = same but for a code; NO = pass/fail or places differ)",
    );
    const p50 = (name: CompilerName) => percentile(ms[name], 50);
    figures["corpus cases where pass/fail or places differ"] = figure(tally.verdicts, "cases", { target: 0 });
    figures["corpus cases with another code at the same place"] = figure(tally.codes, "cases");
    figures["agent typecheck p50 (sandboxed, per change)"] = figure(p50("tsgo"), "ms", { peer: p50("tsc") });
  } finally {
    wt.remove();
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
report("typecheck", {
  "this tree: diagnostics that differ": figure(treeCmp.agree === "yes" ? 0 : 1, "trees", { target: 0 }),
  "npm run typecheck median (this tree; peer: tsc)": figure(treeMs("tsgo"), "ms", { peer: treeMs("tsc") }),
  "npm run typecheck median CPU time (peer: tsc)": figure(treeCpu("tsgo"), "ms", { peer: treeCpu("tsc") }),
  ...figures,
});
