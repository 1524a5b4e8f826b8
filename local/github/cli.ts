// `npm run local -- github --port N --data DIR [--repo owner/name=DIR]… [--app NAME --webhook-url URL]`
// Starts the GitHub stand-in, seeds what a local run needs, prints how to reach it, and runs
// until SIGINT/SIGTERM. Restarting on the same --data reuses its repositories and app.
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { startGitHub } from "./index.ts";

const USAGE = `usage: npm run local -- github [--port N] [--data DIR] [--repo owner/name=DIR]… [--app NAME] [--webhook-url URL] [--webhook-secret S] [--user LOGIN]… [--log-level LEVEL]`;

export async function main(args: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: "string", default: "0" },
        data: { type: "string" },
        repo: { type: "string", multiple: true, default: [] },
        app: { type: "string" },
        "webhook-url": { type: "string" },
        "webhook-secret": { type: "string" },
        user: { type: "string", multiple: true, default: [] },
        "log-level": { type: "string", default: "info" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) return void console.log(USAGE);
  const port = Number(values.port);
  const problems: string[] = [];
  const repos = (values.repo as string[]).flatMap((spec) => {
    const m = /^([^/=]+)\/([^/=]+)(?:=(.+))?$/.exec(spec);
    if (!m) problems.push(`--repo expects owner/name[=DIR], got ${JSON.stringify(spec)}`);
    else if (m[3] && !existsSync(m[3])) problems.push(`--repo ${spec}: no such directory`);
    return m ? [{ owner: m[1], name: m[2], dir: m[3] ? resolve(m[3]) : undefined }] : [];
  });
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`--port expects a port number, got ${values.port}`);
  if (values["webhook-url"] && !values.app) problems.push("--webhook-url needs --app NAME");
  if (problems.length) {
    console.error(`${problems.join("\n")}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }

  // Signal handlers go in before anything is printed: a caller may stop us as soon as it reads the output.
  let stopRequested: ((sig: string) => void) | null = null;
  const pendingSignals: string[] = [];
  const onSignal = (sig: string): void => (stopRequested ? stopRequested(sig) : void pendingSignals.push(sig));
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));

  const gh = await startGitHub({ port, dataDir: values.data ? resolve(values.data) : undefined, logLevel: values["log-level"] });
  const summary: Record<string, unknown> = {
    url: gh.url,
    apiUrl: gh.apiUrl,
    dataDir: gh.dataDir,
    repos: [] as unknown[],
    users: [] as unknown[],
  };
  console.log(`GitHub stand-in on ${gh.url}  (REST ${gh.apiUrl}, driver ${gh.url}/_driver, data ${gh.dataDir})`);
  for (const r of repos) {
    const full = `${r.owner}/${r.name}`;
    try {
      await gh.createRepo({ owner: r.owner, name: r.name, fromDir: r.dir });
      console.log(`repo ${full}: created${r.dir ? ` from ${r.dir}` : ""}`);
    } catch (e) {
      if (!(e instanceof Error) || !/already exists|creation failed/i.test(e.message)) throw e;
      console.log(`repo ${full}: already there (kept)`);
    }
    console.log(`  clone: ${gh.cloneUrl(r.owner, r.name)}  (user x-access-token, password: a token)`);
    (summary.repos as unknown[]).push({ fullName: full, cloneUrl: gh.cloneUrl(r.owner, r.name) });
  }
  if (values.app) {
    const slug = values.app
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "");
    let app = gh.findApp(slug);
    if (app) {
      if (values["webhook-url"] || values["webhook-secret"])
        gh.setWebhook(app.appId, values["webhook-url"] ?? null, values["webhook-secret"]);
      app = gh.findApp(slug);
    } else app = await gh.registerApp({ name: values.app, webhookUrl: values["webhook-url"], webhookSecret: values["webhook-secret"] });
    const a = app!;
    const installations = repos.map((r) => gh.installApp(a.appId, `${r.owner}/${r.name}`));
    console.log(`app ${a.slug}: id ${a.appId}`);
    console.log(`  private key file: ${a.privateKeyFile}`);
    console.log(`  webhook secret:   ${a.webhookSecret}`);
    console.log(`  webhook url:      ${values["webhook-url"] ?? "(none)"}`);
    if (installations.length) console.log(`  installation id:  ${[...new Set(installations)].join(", ")}`);
    summary.app = {
      appId: a.appId,
      slug: a.slug,
      privateKeyFile: a.privateKeyFile,
      webhookSecret: a.webhookSecret,
      installationIds: [...new Set(installations)],
    };
  }
  for (const login of values.user as string[]) {
    const token = gh.driver.tokenFor(login);
    console.log(`user ${login}: token ${token}`);
    (summary.users as unknown[]).push({ login, token });
  }
  console.log(JSON.stringify({ standin: "github", ...summary }));

  await new Promise<void>((resolveStop) => {
    stopRequested = (sig: string): void => {
      console.log(`${sig}: stopping GitHub stand-in`);
      void gh.close().then(resolveStop);
    };
    if (pendingSignals.length) stopRequested(pendingSignals[0]);
  });
}
