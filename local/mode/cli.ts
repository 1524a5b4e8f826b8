// `npm start` with no GitHub App credentials (or `npm run local -- mode`): local mode in one
// terminal. Prints the URL to open and how to stop; Ctrl-C stops everything it started.
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { startLocalMode } from "./start.ts";

const USAGE = "usage: npm start -- [--data DIR] [--port N] [--verbose]   (local mode: no GitHub/Discord credentials in the environment)";

/** The options `npm start` (local mode) and `npm run demo` share: where the state is, the first port. */
export const LOCAL_OPTIONS = {
  data: { type: "string", default: process.env.OURO_LOCAL_DATA ?? ".data/local" },
  port: { type: "string", default: process.env.OURO_LOCAL_PORT ?? "3000" },
} as const;

export async function main(args: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        ...LOCAL_OPTIONS,
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) return void console.log(USAGE);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1024 || port > 65535 - 6) {
    console.error(`--port must be a port number from 1024 to 65529 (local mode also uses the next six), got ${values.port}\n${USAGE}`);
    process.exit(2);
  }

  // Signals are caught from the start: Ctrl-C while starting stops what has started so far.
  let stopping: Promise<void> | null = null;
  let close: (() => Promise<void>) | null = null;
  const stop = (sig: string) => {
    if (stopping) return;
    console.log(`${sig}: stopping local mode…`);
    stopping = (close?.() ?? Promise.resolve()).then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  const dataDir = resolve(values.data);
  console.log(`Starting Ouro in local mode (no GitHub App credentials set): state in ${values.data} …`);
  const started = performance.now();
  try {
    const local = await startLocalMode({
      dataDir,
      checkout: resolve(import.meta.dirname, "../.."),
      basePort: port,
      say: values.verbose ? (line) => console.log(`  ${line}`) : undefined,
    });
    close = local.close;
    if (stopping) return void (await local.close());
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `Ouro local mode is ready in ${secs} s${local.resumed ? " (resumed)" : ""}: open ${local.url} — then \`npm run demo\` in another terminal; Ctrl-C stops it.`,
    );
  } catch (err) {
    console.error(`local mode could not start: ${(err as Error).message}`);
    process.exit(1);
  }
}
