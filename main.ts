// `npm start`: the Ouro app (app/main.ts) when the environment — or `.env`, which `npm run setup`
// writes — names a GitHub App; local mode (local/mode/) when it names none: the whole loop on
// this machine against the stand-ins. Half a set of credentials is an error from app/main.ts.
// This dispatcher lives outside app/ so that the app never imports the stand-ins.
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { credentialsIn } from "./app/config.ts";

// `.env` in the working directory, under what the environment already sets.
if (existsSync(".env"))
  for (const [k, v] of Object.entries(parseEnv(readFileSync(".env", "utf8")))) if (process.env[k] === undefined) process.env[k] = v;

if (credentialsIn(process.env) === "none") {
  const local = (await import("./local/mode/cli.ts")) as { main(args: string[]): Promise<void> };
  await local.main(process.argv.slice(2));
} else {
  await import("./app/main.ts");
}
