// Local mode: the whole loop on one machine with no accounts. The GitHub, Discord, model and
// Actions stand-ins run in this process; the app and the deploy hook are child processes run
// exactly as in production (`app/main.ts` with credentials, `deploy-hook/main.ts serve`), and
// only the hook runs the bot, from releases of the merged commits. Everything lives under one
// data directory, so a second start resumes where the first stopped.
import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { Octokit } from "@octokit/rest";
import { startGitHub, type GitHubStandIn } from "../github/index.ts";
import { startDiscord, type DiscordStandIn } from "../discord/index.ts";
import { startOpenAI, type OpenAIStandIn } from "../openai/index.ts";
import { startActions, registerActionsApp, type ActionsStandIn } from "../actions/index.ts";
import { appProcessEnv } from "./app-env.ts";
import { startService, type Service } from "./processes.ts";
import { exportHead, guildSeed, manifestOf, PEOPLE, policyRoles, REPO } from "./seed.ts";
import { startPage, type Page } from "./page.ts";
import { createChatPane } from "./chat/index.ts";
import { createReviewPane } from "./review/index.ts";

export interface LocalModeOptions {
  /** Where all state lives (default `.data/local`). */
  dataDir: string;
  /** The checkout whose HEAD becomes the repository Ouro edits, and whose node_modules releases reuse. */
  checkout: string;
  /**
   * The page's port; the services take the next six (GitHub +1, Discord +2, model +3, app +4,
   * bot link +5, Actions +6). 0: every port is picked free (tests).
   */
  basePort: number;
  /** Progress lines for the terminal (default: none). */
  say?: (line: string) => void;
  /** Deploy-hook timings (local mode keeps the watch short). */
  hook?: { settleMs?: number; watchMs?: number; pollMs?: number };
}

export interface LocalMode {
  /** The page to open. */
  url: string;
  dataDir: string;
  github: GitHubStandIn;
  discord: DiscordStandIn;
  openai: OpenAIStandIn;
  actions: ActionsStandIn;
  app: { webhookUrl: string; botLinkUrl: string; service: Service };
  hook: Service;
  repo: string;
  people: typeof PEOPLE;
  /** Whether this start found an earlier run's state. */
  resumed: boolean;
  close(): Promise<void>;
}

/** Where a running local mode can be reached (`<data>/endpoints.json`, while it runs): read by `npm run demo`. */
export interface Endpoints {
  page: string;
  github: { url: string; apiUrl: string };
  discord: { url: string; driverUrl: string };
  app: { url: string; botLinkUrl: string };
  repo: string;
  people: typeof PEOPLE;
}

export interface Secrets {
  appToken: string;
  encryptionKey: string;
}

/** One local mode per data directory: a second start is refused while the first runs. */
function lock(dataDir: string): () => void {
  const file = join(dataDir, "local.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(file, "utf8"));
      if (pid && pidAlive(pid))
        throw new Error(`local mode is already running on ${dataDir} (process ${pid}); stop it first, or use another --data directory`, {
          cause: err,
        });
      rmSync(file, { force: true }); // left by a run that was killed
    }
  }
  throw new Error(`cannot take ${file}`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function secrets(dataDir: string): Secrets {
  const file = join(dataDir, "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as Secrets;
  const s: Secrets = { appToken: randomBytes(24).toString("hex"), encryptionKey: randomBytes(32).toString("hex") };
  writeFileSync(file, JSON.stringify(s), { mode: 0o600 });
  return s;
}

/** Stops a process this one did not start (the live bot, started by the hook): SIGTERM, then SIGKILL. */
async function stopPid(pid: number, graceMs: number): Promise<void> {
  if (!pidAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (pidAlive(pid)) process.kill(pid, "SIGKILL");
}

function liveBotPid(hookData: string): number | null {
  try {
    const s = JSON.parse(readFileSync(join(hookData, "deploy-state.json"), "utf8")) as { process?: { pid: number } | null };
    return s.process?.pid ?? null;
  } catch {
    return null;
  }
}

const port = (base: number, offset: number) => (base === 0 ? 0 : base + offset);
const listenLine = /listening on (http:\/\/\S+) .*bot link on (http:\/\/[^/\s]+)/;

export async function startLocalMode(o: LocalModeOptions): Promise<LocalMode> {
  const say = o.say ?? (() => {});
  const dataDir = resolve(o.dataDir);
  mkdirSync(join(dataDir, "logs"), { recursive: true });
  // Others may enter it (only that bit is added): CI jobs run as `nobody` and must reach actions/
  // inside (a mkdtemp directory is 0700). Listing stays as it was; keys and secrets stay 0600.
  chmodSync(dataDir, (statSync(dataDir).mode & 0o777) | 0o011);
  const unlock = lock(dataDir);
  const cleanups: (() => Promise<void> | void)[] = [unlock];
  const close = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  try {
    const page = await startPage(o.basePort);
    cleanups.push(() => page.close());
    const resumed = existsSync(join(dataDir, "secrets.json"));
    const s = secrets(dataDir);

    const github = await startGitHub({ port: port(o.basePort, 1), dataDir: join(dataDir, "github"), logLevel: "warn" });
    cleanups.push(() => github.close());
    const repo = `${REPO.owner}/${REPO.name}`;
    const hasRepo = await github.driver
      .user(PEOPLE.maintainer)
      .request("GET", `/repos/${repo}`)
      .then(() => true)
      .catch(() => false);
    if (!hasRepo) {
      const head = exportHead(o.checkout);
      try {
        await github.createRepo({ owner: REPO.owner, name: REPO.name, fromDir: head.dir, ownerType: "Organization" });
      } finally {
        rmSync(head.dir, { recursive: true, force: true });
      }
      say(`repository ${repo}: a copy of ${o.checkout} at ${head.sha.slice(0, 7)}`);
    }
    github.driver.setPermission(repo, PEOPLE.maintainer, "admin");
    github.driver.setPermission(repo, PEOPLE.member, "write");
    github.driver.setPermission(repo, PEOPLE.newcomer, "read");

    const manifest = manifestOf(readFileSync(join(o.checkout, "app.yml"), "utf8"));
    const known = github.findApp("ouro");
    const ouro = known ?? (await github.registerApp({ name: "ouro", owner: REPO.owner, ...manifest }));
    const installationId = github.installApp(ouro.appId, repo);

    const discord = await startDiscord({
      port: port(o.basePort, 2),
      dataDir: join(dataDir, "discord"),
      seed: guildSeed(policyRoles(o.checkout)),
    });
    cleanups.push(() => discord.close());

    const openai = await startOpenAI({ port: port(o.basePort, 3) });
    openai.handle((req) => {
      const last = [...req.messages].reverse().find((m) => m.role === "user");
      const text = typeof last?.content === "string" ? last.content : "";
      return { content: `(local model) You said: ${text.slice(0, 200)}` };
    });
    cleanups.push(() => openai.close());

    // GitHub's own "github-actions" App: runs .github/workflows on pull requests and pushes.
    const actionsApp = await registerActionsApp(github, repo);
    const actions = await startActions({
      port: port(o.basePort, 6),
      apiUrl: github.apiUrl,
      gitUrl: github.url,
      ...actionsApp,
      dataDir: join(dataDir, "actions"),
      log: (line) => appendFileSync(join(dataDir, "logs", "actions.log"), `${new Date().toISOString()} ${line}\n`),
    });
    github.setWebhook(actionsApp.appId, actions.webhookUrl, actionsApp.webhookSecret);
    cleanups.push(() => actions.close());

    // The app, as production runs it, with the stand-ins' addresses as its credentials.
    const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dataDir, LANG: "C.UTF-8" };
    // A model for the agent only if the user named one: recipes need none, free-form requests say so.
    const passModel: Record<string, string> = {};
    for (const k of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OURO_MODEL"]) if (process.env[k]) passModel[k] = process.env[k];
    const app = startService("app", [join(o.checkout, "app/main.ts")], {
      cwd: o.checkout,
      logFile: join(dataDir, "logs", "app.log"),
      env: {
        ...base,
        ...passModel,
        ...appProcessEnv({
          github,
          app: ouro,
          repo,
          appToken: s.appToken,
          encryptionKey: s.encryptionKey,
          dataDir: join(dataDir, "app"),
          port: port(o.basePort, 4),
          botLinkPort: port(o.basePort, 5),
        }),
        // The console without sign-in: local mode listens on loopback only (config.ts checks it).
        OURO_CONSOLE: "local",
      },
    });
    cleanups.push(() => app.stop());
    const [, appUrl, botLinkUrl] = listenLine.exec(await app.waitFor(listenLine, "listening"))!;
    const webhookUrl = `${appUrl}/api/github/webhooks`;
    github.setWebhook(ouro.appId, webhookUrl, ouro.webhookSecret);
    say(`app: webhooks ${webhookUrl}, installation ${installationId}`);

    // The deploy hook alone runs the bot, from releases; it deploys what GitHub Deployments ask for.
    const hookData = join(dataDir, "hook");
    const deployerToken = github.driver.tokenFor("ouro-deployer");
    const hook = startService(
      "deploy hook",
      [
        join(o.checkout, "deploy-hook/main.ts"),
        "serve",
        "--repo",
        github.cloneUrl(REPO.owner, REPO.name, deployerToken),
        "--data",
        hookData,
        "--github-api",
        github.apiUrl,
        "--github-repo",
        repo,
        "--seed",
        o.checkout,
        "--settle-ms",
        String(o.hook?.settleMs ?? 500),
        "--watch-ms",
        String(o.hook?.watchMs ?? 10_000),
        "--poll-ms",
        String(o.hook?.pollMs ?? 500),
      ],
      {
        cwd: o.checkout,
        logFile: join(dataDir, "logs", "deploy-hook.log"),
        env: {
          ...base,
          GITHUB_TOKEN: deployerToken,
          DISCORD_TOKEN: discord.botToken,
          DISCORD_API: discord.apiBase,
          DISCORD_APPLICATION_ID: discord.applicationId,
          OURO_ROLES_GUILD_ID: discord.guild.id,
          OURO_APP_URL: botLinkUrl,
          OURO_APP_TOKEN: s.appToken,
          OURO_ENCRYPTION_KEY: s.encryptionKey,
          OURO_DATA_DIR: join(dataDir, "bot"),
          OPENAI_BASE_URL: openai.baseURL,
          OPENAI_API_KEY: openai.apiKey,
          LOG_LEVEL: "info",
        },
      },
    );
    cleanups.push(async () => {
      await hook.stop(); // the hook detaches: the live bot keeps running…
      const pid = liveBotPid(hookData); // …so stop it too; the next start restarts the current release
      if (pid) await stopPid(pid, 10_000);
    });
    await hook.waitFor(/deploy hook: watching deployments/, "it watched deployments");
    if (!liveBotPid(hookData)) {
      // The first release: main's HEAD, deployed like any other (so /rollback has a release to go back to later).
      const octokit = new Octokit({ auth: deployerToken, baseUrl: github.apiUrl });
      const main = await octokit.rest.repos.getBranch({ owner: REPO.owner, repo: REPO.name, branch: "main" });
      const live = hook.waitFor(/^\S+ deployment \d+ \(deploy [0-9a-f]+\): /, "the first release was judged");
      await octokit.rest.repos.createDeployment({
        owner: REPO.owner,
        repo: REPO.name,
        ref: main.data.commit.sha,
        environment: "production",
        auto_merge: false,
        required_contexts: [],
        description: "local mode: the first release",
      });
      const line = await live;
      if (!/\): success/.test(line))
        throw new Error(`the first release did not go live: ${line.replace(/^\S+ /, "")} (see ${hook.logFile})`);
    }
    say(`bot: live from ${hookData}`);

    const endpoints: Endpoints = {
      page: page.url,
      github: { url: github.url, apiUrl: github.apiUrl },
      discord: { url: discord.url, driverUrl: discord.driverUrl },
      app: { url: appUrl, botLinkUrl },
      repo,
      people: PEOPLE,
    };
    writeFileSync(join(dataDir, "endpoints.json"), JSON.stringify(endpoints, null, 2), { mode: 0o600 });
    cleanups.push(() => rmSync(join(dataDir, "endpoints.json"), { force: true }));
    // The two other seats: a Discord user and a GitHub user, each through its stand-in's API.
    page.mount("/chat", createChatPane({ driverUrl: discord.driverUrl, guildId: discord.guild.id, people: PEOPLE }));
    page.mount("/review", createReviewPane({ githubUrl: github.url, apiUrl: github.apiUrl, repo, people: PEOPLE }));
    page.show({
      links: {
        github: github.url,
        discord: discord.url,
        model: openai.baseURL,
        app: appUrl,
        actions: actions.webhookUrl,
      },
      repo,
      people: PEOPLE,
      dataDir,
    });

    return {
      url: page.url,
      dataDir,
      github,
      discord,
      openai,
      actions,
      app: { webhookUrl, botLinkUrl, service: app },
      hook,
      repo,
      people: PEOPLE,
      resumed,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export type { Page };
