// `node policy-engine/cli.mjs --repo DIR --base REF --head REF [--format json|text|markdown] …`
// (`npm run policy-check -- …`). The entry is plain JavaScript on purpose: Node strips
// types from a .ts file with a WebAssembly compiler it first has to start (~0.1 s of CPU,
// every run), and its on-disk compile cache — which keeps the compiled code of every
// module after this one, as ESLint's CLI keeps its compiled code — can only be turned on
// from a module that is already running. Hence the dynamic imports.
//
// The engine itself runs from its JS build (js-build/build.mjs, made at install) only when
// js-build/manifest.mjs finds that build to be exactly what today's sources make;
// otherwise, or with OURO_POLICY_JS_BUILD=off, from the .ts sources.
import { enableCompileCache } from "node:module";
import process from "node:process";
import { pathToFileURL } from "node:url";

enableCompileCache?.();
const { checkBuild } = await import("./js-build/manifest.mjs");
const build = process.env.OURO_POLICY_JS_BUILD === "off" ? undefined : checkBuild();
const { runCli } = await import(build?.entry ? pathToFileURL(build.entry).href : "./command.ts");

process.exitCode = runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
});
