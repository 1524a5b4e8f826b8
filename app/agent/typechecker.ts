// Which TypeScript compiler typechecks agent-written code: the native one (tsgo, from
// @typescript/native-preview) where its binary is installed for this platform, else tsc 5.9.
// Both give the same verdicts, at the same places, in the same `--pretty false` format on this
// tree and on 26 plugin changes (`npm run bench -- typecheck` re-checks that); the one difference
// seen: for a missing property tsgo reports TS2741 where tsc reports TS2345 with TS2741's text on
// its second line. tsgo takes about a fifth of tsc's CPU time and a third of its memory here.
// OURO_TYPECHECKER=tsc keeps tsc (the switch bench/agent.ts uses to time the old path).
import { accessSync, constants, existsSync } from "node:fs";
import { join } from "node:path";

export type CompilerName = "tsc" | "tsgo";

/** The setting that picks the compiler: tsgo (the default) or tsc. */
export const TYPECHECKER_ENV = "OURO_TYPECHECKER";

export interface Compiler {
  name: CompilerName;
  /** The Node script that runs it (tsgo's launcher execs the native binary). */
  script: string;
  /** tsgo's native binary, run directly: the launcher is a Node start-up that only finds and execs it. */
  native?: string;
  /** Why tsc runs although tsgo was asked for (the native binary is missing), in plain words. */
  fallback?: string;
}

/** The compiler the setting asks for, or a plain-words error for a value it does not take. */
export function compilerSetting(env: NodeJS.ProcessEnv = process.env): CompilerName | { error: string } {
  const v = env[TYPECHECKER_ENV] ?? "";
  if (v === "" || v === "tsgo") return "tsgo";
  if (v === "tsc") return "tsc";
  return {
    error: `the typecheck was not run: ${TYPECHECKER_ENV} is "${v}", but the only values it takes are tsgo (the default) and tsc`,
  };
}

/** The package holding tsgo's native binary for a platform. */
export const nativePackage = (platform: string = process.platform, arch: string = process.arch) =>
  `@typescript/native-preview-${platform}-${arch}`;

export const tscScript = (dir: string) => join(dir, "node_modules/typescript/bin/tsc");

/**
 * The compiler to run for the worktree `dir` (its node_modules): tsgo when asked for and its
 * launcher and native binary are there, else tsc with the reason.
 */
export function chooseCompiler(
  dir: string,
  want: CompilerName,
  platform: string = process.platform,
  arch: string = process.arch,
): Compiler {
  const tsc: Compiler = { name: "tsc", script: tscScript(dir) };
  if (want === "tsc") return tsc;
  const launcher = join(dir, "node_modules/@typescript/native-preview/bin/tsgo");
  const pkg = nativePackage(platform, arch);
  const binary = join(dir, "node_modules", pkg, "lib", platform === "win32" ? "tsgo.exe" : "tsgo");
  const missing = !existsSync(launcher)
    ? "node_modules/@typescript/native-preview is not installed"
    : !existsSync(binary)
      ? `its native binary for ${platform}-${arch} is not installed (no node_modules/${pkg})`
      : !executable(binary)
        ? `its native binary ${binary} is not executable`
        : undefined;
  if (missing)
    return { ...tsc, fallback: `the native TypeScript compiler (tsgo) cannot run here: ${missing}; typechecking with tsc instead` };
  return { name: "tsgo", script: launcher, native: binary };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
