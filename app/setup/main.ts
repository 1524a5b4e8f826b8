// `npm run setup -- --webhook-url <url> | --public-url <url> [options]`: registers the GitHub App from app.yml
// through GitHub's manifest flow, writes its credentials to .env, then says what to create
// on Discord. See README, section "Set-up with real accounts".
import { parseArgs } from "node:util";
import { discordGuide } from "./discord.ts";
import { startSetup } from "./flow.ts";
import { checkPublicUrl, SetupError } from "./manifest.ts";

const USAGE = `Usage: npm run setup -- --webhook-url <url> [--public-url <url>] [options]
       npm run setup -- --public-url <url> [options]   (webhooks then go to <url>/api/github/webhooks)

  --webhook-url <url>     where GitHub sends the App's webhooks: this app's public address + /api/github/webhooks.
                          Developing on your machine? Make a channel at https://smee.io/new (use its URL here) and run
                          npx smee-client --url <channel URL> --target http://127.0.0.1:3000/api/github/webhooks
                          or expose port 3000 with a tunnel (e.g. cloudflared, ngrok) and use its URL + /api/github/webhooks.
  --public-url <url>      the address people reach this app at, e.g. https://ouro.example.com (scheme, host, port; no path).
                          Writes OURO_PUBLIC_URL and makes <url>/console/auth/callback the App's callback URL, so people
                          can sign in to the console with GitHub. Without --webhook-url, webhooks go to <url>/api/github/webhooks.
  --org <login>           register the App under this organization (default: your personal account)
  --github-url <url>      GitHub Enterprise Server's address (default https://github.com); writes GHE_HOST/GHE_PROTOCOL
  --name <name>           the App's name on GitHub (default: app.yml's; names are unique on GitHub)
  --repo <owner/name>     the repository Ouro manages (writes OURO_REPO)
  --env-path <path>       where to write the credentials (default .env, mode 0600)
  --key-file <path>       write the private key to this file (mode 0600) and PRIVATE_KEY_PATH, instead of PRIVATE_KEY
  --force                 replace values the env file already has (they are listed)
  --port <n>              the local set-up page's port (default 3000)
  --discord-app-id <id>   your Discord application's id: prints the bot invite URL, writes DISCORD_APPLICATION_ID
  --discord-only          skip GitHub; only print the Discord steps
`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        "webhook-url": { type: "string" },
        "public-url": { type: "string" },
        org: { type: "string" },
        "github-url": { type: "string" },
        name: { type: "string" },
        repo: { type: "string" },
        "env-path": { type: "string", default: ".env" },
        "key-file": { type: "string" },
        force: { type: "boolean", default: false },
        port: { type: "string", default: "3000" },
        "discord-app-id": { type: "string" },
        "discord-only": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const discordAppId = args["discord-app-id"];
  if (discordAppId !== undefined && !/^\d{17,20}$/.test(discordAppId)) {
    console.error(
      `--discord-app-id must be the Application ID from the Discord developer portal (17–20 digits), got ${JSON.stringify(discordAppId)}`,
    );
    return 2;
  }
  if (args["discord-only"]) {
    console.log(discordGuide(discordAppId).join("\n"));
    return 0;
  }
  const publicUrl = args["public-url"] === undefined ? undefined : checkPublicUrl(args["public-url"]);
  const webhookUrl = args["webhook-url"] ?? (publicUrl ? `${publicUrl}/api/github/webhooks` : undefined);
  if (!webhookUrl) {
    console.error(`--webhook-url is required: GitHub needs to know where to send webhooks.\n\n${USAGE}`);
    return 2;
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number (0–65535), got ${JSON.stringify(args.port)}`);
    return 2;
  }
  const run = await startSetup({
    webhookUrl,
    publicUrl,
    org: args.org,
    githubUrl: args["github-url"],
    name: args.name,
    repo: args.repo,
    envFile: args["env-path"],
    keyFile: args["key-file"],
    force: args.force,
    port,
    discordAppId,
  });
  console.log(`Open ${run.url} in your browser to register the GitHub App (Ctrl-C to stop).`);
  try {
    const r = await run.done;
    console.log(
      [
        "",
        `GitHub App "${r.app.name}" registered (id ${r.app.id}); credentials written to ${r.envFile} (mode 0600).`,
        ...(r.replaced.length > 0 ? [`Replaced earlier values of ${r.replaced.join(", ")} (--force).`] : []),
        `Install it on the repository Ouro manages: ${r.installUrl}`,
        ...(args.repo ? [] : ["Set OURO_REPO=owner/name in .env (the repository Ouro manages)."]),
        publicUrl
          ? `The console will be at ${publicUrl}/console/; people sign in with GitHub (the App's callback URL is ${publicUrl}/console/auth/callback).`
          : `For GitHub sign-in to the console, set OURO_PUBLIC_URL in ${r.envFile} to the app's address and add <that address>/console/auth/callback as a callback URL in the App's settings (${r.app.htmlUrl}).`,
        `Then start the app with it loaded: npx node --env-file=${r.envFile} app/main.ts`,
        "",
        ...discordGuide(discordAppId),
      ].join("\n"),
    );
    return 0;
  } finally {
    await run.close();
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  if (!(e instanceof SetupError)) throw e;
  console.error(`setup: ${e.message}`);
  process.exitCode = 2;
}
