// `npm run local -- github|discord|openai [--port N] [--data DIR] …`
// Each stand-in exports `main(args)` from local/<name>/cli.ts and runs until SIGINT/SIGTERM.
const STANDINS = ["github", "discord", "openai"] as const;
type StandIn = (typeof STANDINS)[number];

const [name, ...args] = process.argv.slice(2);
if (!name || !(STANDINS as readonly string[]).includes(name)) {
  console.error(`usage: npm run local -- ${STANDINS.join("|")} [--port N] [--data DIR] [options]`);
  process.exit(2);
}
const mod = (await import(`./${name as StandIn}/cli.ts`)) as { main(args: string[]): Promise<void> };
await mod.main(args);
