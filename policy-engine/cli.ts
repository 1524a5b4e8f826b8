// `npm run policy-check -- --repo DIR --base REF --head REF [--format json|text|markdown] …`
// Node's on-disk compile cache (as ESLint's CLI uses) is turned on before the checker and
// TypeScript's parser are loaded, hence the dynamic import.
import { enableCompileCache } from "node:module";

enableCompileCache?.();
const { runCli } = await import("./command.ts");

process.exitCode = runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
});
