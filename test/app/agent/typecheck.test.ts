// The agent's typecheck on the native compiler (tsgo): the same diagnostics as tsc 5.9 for
// broken plugin code, run in the real sandbox; tsc when tsgo cannot run; a bad setting refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { typecheck, type CheckOutcome } from "../../../app/agent/checks.ts";
import { chooseCompiler, compilerSetting, nativePackage, TYPECHECKER_ENV } from "../../../app/agent/typechecker.ts";
import { shareReadOnly } from "../../../app/agent/sandbox.ts";
import { APP_NODE_MODULES, createWorktree, type Worktree } from "../../../app/agent/worktree.ts";
import { makeAgentRepo, type AgentRepo } from "./fixture.ts";

const limits = { timeoutMs: 60_000, memoryMb: 1024 };
const BROKEN = "bot/plugins/broken/index.ts";
const broken = `import { definePlugin } from "../../plugin-api/index.ts";
import { helper } from "./missing.ts";

function shout(text) {
  return text.toUpperCase() + helper;
}

export default definePlugin({
  name: "broken",
  description: "Does not typecheck",
  commands: [
    {
      name: "broken",
      description: "Broken",
      async run(call) {
        await call.reply(42);
        shout("x");
      },
    },
  ],
});
`;

/** A worktree (as the agent makes it) with `broken` written, on node_modules `modules` (default: the app's). */
function checkout(modules?: string): Worktree {
  const wt = createWorktree(repo.dir, "main", modules);
  mkdirSync(join(wt.dir, "bot/plugins/broken"));
  writeFileSync(join(wt.dir, BROKEN), broken);
  return wt;
}

/** A node_modules (readable to the sandbox user) with typescript and @types, and what `tsgo` puts in @typescript/. */
function partialModules(tsgo: (scope: string) => void): string {
  const holder = mkdtempSync(join(tmpdir(), "ouro-typecheck-modules-"));
  shareReadOnly(holder);
  const nm = join(holder, "node_modules"); // where Node looks for tsgo's platform package
  mkdirSync(join(nm, "@typescript"), { recursive: true });
  // copies, not links: the sandbox shows the check only its worktree and this node_modules, so
  // a link into the app's node_modules dangles there when the checkout is under /tmp
  cpSync(join(APP_NODE_MODULES, "typescript"), join(nm, "typescript"), { recursive: true });
  cpSync(join(APP_NODE_MODULES, "@types"), join(nm, "@types"), { recursive: true });
  tsgo(join(nm, "@typescript"));
  return nm;
}

const shape = (r: CheckOutcome) => r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`);

let repo: AgentRepo;
let wt: Worktree;
beforeAll(() => {
  repo = makeAgentRepo();
  wt = checkout();
});
afterAll(() => {
  wt.remove();
  repo.cleanup();
});

describe("agent typecheck on tsgo", () => {
  it("finds the same errors as tsc 5.9, at the same file, line and column, with the same text", async () => {
    const [native, tsc] = [await typecheck(wt.dir, [BROKEN], limits), await typecheck(wt.dir, [BROKEN], limits, undefined, "tsc")];
    expect(native.compiler).toBe("tsgo");
    expect(tsc.compiler).toBe("tsc");
    expect(native.ok).toBe(false);
    expect(shape(native)).toEqual([
      `${BROKEN}:2:24 TS2307: Cannot find module './missing.ts' or its corresponding type declarations.`,
      `${BROKEN}:4:16 TS7006: Parameter 'text' implicitly has an 'any' type.`,
      `${BROKEN}:16:26 TS2345: Argument of type 'number' is not assignable to parameter of type 'Reply'.`,
    ]);
    expect(shape(native)).toEqual(shape(tsc));
    expect(native.summary).toContain(`${BROKEN}:16:26 TS2345`);
  });

  it("passes a change that typechecks, and says which compiler judged it", async () => {
    const r = await typecheck(wt.dir, ["bot/plugins/ping/index.ts"], limits);
    expect(r.diagnostics).toEqual([]);
    expect(r.summary).toBe("typecheck passed (tsgo, 2 root files)");
    expect(r.ok).toBe(true);
  });

  it("falls back to tsc, saying why, when tsgo's native binary is not installed for this platform", async () => {
    const modules = partialModules((scope) =>
      cpSync(join(APP_NODE_MODULES, "@typescript/native-preview"), join(scope, "native-preview"), { recursive: true }),
    );
    const missing = checkout(modules);
    try {
      const warnings: string[] = [];
      const r = await typecheck(missing.dir, [BROKEN], limits, (m) => warnings.push(m));
      expect(r.compiler).toBe("tsc");
      expect(r.ok).toBe(false);
      expect(shape(r)).toHaveLength(3);
      expect(warnings).toEqual([
        `agent typecheck: the native TypeScript compiler (tsgo) cannot run here: its native binary for ${process.platform}-${process.arch} is not installed (no node_modules/${nativePackage()}); typechecking with tsc instead`,
      ]);
    } finally {
      missing.remove();
      rmSync(dirname(modules), { recursive: true, force: true });
    }
  });

  it("falls back to tsc when tsgo fails without a diagnostic (it could not start, or crashed)", async () => {
    const modules = partialModules((scope) => {
      // tsgo's real launcher, finding a native binary that dies at once
      const launcher = join(APP_NODE_MODULES, "@typescript/native-preview");
      for (const part of ["bin", "lib", "package.json"])
        cpSync(join(launcher, part), join(scope, "native-preview", part), { recursive: true });
      const native = join(scope, nativePackage().split("/")[1]);
      mkdirSync(join(native, "lib"), { recursive: true });
      writeFileSync(join(native, "package.json"), JSON.stringify({ name: nativePackage(), version: "0.0.0" }));
      writeFileSync(join(native, "lib/tsgo"), "#!/bin/sh\necho 'fatal error: out of nothing' >&2\nexit 3\n");
      chmodSync(join(native, "lib/tsgo"), 0o755);
    });
    const crashing = checkout(modules);
    try {
      const warnings: string[] = [];
      const r = await typecheck(crashing.dir, [BROKEN], limits, (m) => warnings.push(m));
      expect(warnings).toEqual([
        "agent typecheck: the native TypeScript compiler (tsgo) failed without a diagnostic (fatal error: out of nothing); typechecking with tsc instead",
      ]);
      expect(r.compiler).toBe("tsc");
      expect(shape(r)).toHaveLength(3);
    } finally {
      crashing.remove();
      rmSync(dirname(modules), { recursive: true, force: true });
    }
  });

  it("refuses a setting it does not know, in plain words, and runs nothing", async () => {
    process.env[TYPECHECKER_ENV] = "tsx";
    try {
      const warnings: string[] = [];
      const r = await typecheck(wt.dir, [BROKEN], limits, (m) => warnings.push(m));
      const why = `the typecheck was not run: ${TYPECHECKER_ENV} is "tsx", but the only values it takes are tsgo (the default) and tsc`;
      expect(r).toEqual({
        name: "typecheck",
        ok: false,
        durationMs: 0,
        diagnostics: [{ message: why }],
        summary: `typecheck failed: ${why}`,
      });
      expect(warnings).toEqual([`agent typecheck: ${why}`]);
    } finally {
      delete process.env[TYPECHECKER_ENV];
    }
  });

  it("chooses tsgo by default and tsc when asked; tsc on a platform tsgo has no binary for", () => {
    expect(compilerSetting({})).toBe("tsgo");
    expect(compilerSetting({ [TYPECHECKER_ENV]: "tsc" })).toBe("tsc");
    expect(chooseCompiler(wt.dir, "tsgo").name).toBe("tsgo");
    expect(chooseCompiler(wt.dir, "tsc")).toEqual({ name: "tsc", script: join(wt.dir, "node_modules/typescript/bin/tsc") });
    const other = chooseCompiler(wt.dir, "tsgo", "aix", "ppc64");
    expect(other.name).toBe("tsc");
    expect(other.fallback).toMatch(/no node_modules\/@typescript\/native-preview-aix-ppc64/);
  });
});
