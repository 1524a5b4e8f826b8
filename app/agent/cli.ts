// `node app/agent/cli.ts --repo DIR --base REF --request FILE.json`: runs the agent once
// (recipe, or model mode with OPENAI_API_KEY / OPENAI_BASE_URL / OURO_MODEL set) and prints
// the result as JSON. Exit 0 with a branch, 1 with a failure report, 2 on bad usage.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { modelFromEnv } from "./model.ts";
import { runAgent } from "./run.ts";

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { repo: { type: "string" }, base: { type: "string", default: "main" }, request: { type: "string" } },
      strict: true,
    }));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (!values.repo || !values.request) {
    console.error("usage: node app/agent/cli.ts --repo DIR [--base REF] --request FILE.json");
    return 2;
  }
  let request: unknown;
  try {
    request = JSON.parse(readFileSync(values.request, "utf8"));
  } catch (e) {
    console.error(`cannot read the request: ${(e as Error).message}`);
    return 2;
  }
  const result = await runAgent(request, {
    repoDir: values.repo,
    baseRef: values.base,
    model: modelFromEnv(),
    logger: {
      info: (o, m) => console.error(m ?? "", JSON.stringify(o)),
      warn: (o) => console.error(typeof o === "string" ? o : JSON.stringify(o)),
    },
  });
  console.log(JSON.stringify(result, null, 2));
  return result.ok ? 0 : 1;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
