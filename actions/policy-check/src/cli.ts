// `npm run policy-check -- --repo DIR --base REF --head REF [--format json|text|markdown] …`
import { runCli } from "./command.ts";

process.exitCode = runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
});
