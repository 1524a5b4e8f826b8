// `npm run local -- github|discord|openai [--port N] [--data DIR] …`
// Each stand-in exports `main(args)` from local/<name>/cli.ts and runs until SIGINT/SIGTERM.
// Start-up failures of any stand-in end here: one clear line and exit code 1, no stack trace.
const STANDINS = ["github", "discord", "openai"] as const;
type StandIn = (typeof STANDINS)[number];

const [name, ...args] = process.argv.slice(2);
if (!name || !(STANDINS as readonly string[]).includes(name)) {
  console.error(`usage: npm run local -- ${STANDINS.join("|")} [--port N] [--data DIR] [options]`);
  process.exit(2);
}

function explain(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.code === "EADDRINUSE")
    return `${e.address ?? "127.0.0.1"}:${e.port} is already in use (is a stand-in already running?); choose another --port`;
  if (e?.code === "EACCES") return `not allowed to listen on ${e.address ?? ""}:${e.port ?? ""}; choose a port above 1024`;
  return e instanceof Error ? e.message : String(err);
}

try {
  const mod = (await import(`./${name as StandIn}/cli.ts`)) as { main(args: string[]): Promise<void> };
  await mod.main(args);
} catch (err) {
  console.error(`local ${name}: ${explain(err)}`);
  process.exit(1);
}
