// One sandboxed run from a separate process, so a test can make the caller a non-root user
// (setpriv nobody) or put it where user namespaces are denied. argv[2] is the JSON
// { args, opts }; stdout gets the JSON { result, warnings }.
import { runNodeSandboxed, type SandboxOptions } from "../../../app/agent/sandbox.ts";

const { args, opts } = JSON.parse(process.argv[2]) as { args: string[]; opts: SandboxOptions };
const warnings: string[] = [];
const result = await runNodeSandboxed(args, opts, (m) => warnings.push(m));
process.stdout.write(JSON.stringify({ result, warnings }));
