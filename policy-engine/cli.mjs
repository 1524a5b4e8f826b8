// `node policy-engine/cli.mjs --repo DIR --base REF --head REF [--format json|text|markdown] …`
// (`npm run policy-check -- …`). The entry is plain JavaScript on purpose: Node strips
// types from a .ts file with a WebAssembly compiler it first has to start (~0.1 s of CPU,
// every run), and its on-disk compile cache — which keeps the stripped code of every .ts
// module after this one, as ESLint's CLI keeps its compiled code — can only be turned on
// from a module that is already running. Hence the dynamic imports.
import { enableCompileCache } from "node:module";
import process from "node:process";

enableCompileCache?.();
const { runCli } = await import("./command.ts");

process.exitCode = runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
});
