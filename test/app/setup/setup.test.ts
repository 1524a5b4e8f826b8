// `npm run setup` end to end against the GitHub stand-in, over real HTTP: the set-up page,
// the stand-in's manifest form and code conversion, the .env written (mode 0600), and then
// the app's own loadConfig of that .env mints an installation token with the new App's key.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { Octokit } from "@octokit/rest";
import { GatewayIntentBits, PermissionFlagsBits } from "discord.js";
import { Probot } from "probot";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../app/config.ts";
import { BOT_PERMISSIONS, botIntents, inviteUrl, privilegedIntents } from "../../../app/setup/discord.ts";
import { startSetup } from "../../../app/setup/flow.ts";
import type { SetupOptions } from "../../../app/setup/flow.ts";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn } from "../../../local/github/index.ts";
import { fixtureDir } from "../../local/github/helpers.ts";

const appYml = parse(readFileSync(new URL("../../../app.yml", import.meta.url), "utf8")) as { default_permissions: Record<string, string> };
const WEBHOOK = "http://127.0.0.1:9/api/github/webhooks";
let gh: GitHubStandIn;
let dir: string;
let n = 0;

beforeAll(async () => {
  gh = await startGitHub({ logLevel: "silent" });
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixtureDir() });
  dir = mkdtempSync(join(tmpdir(), "ouro-setup-"));
});
afterAll(async () => {
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

const unescape = (s: string) => s.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)));

/** What a browser does with the set-up page: read the form, post it to GitHub; GitHub's answer. */
async function submitPage(setupUrl: string): Promise<{ response: Response; action: string }> {
  const page = await (await fetch(setupUrl)).text();
  const action = unescape(/<form action="([^"]+)"/.exec(page)![1]);
  const manifest = unescape(/name="manifest" value="([^"]*)"/.exec(page)![1]);
  const response = await fetch(action, { method: "POST", body: new URLSearchParams({ manifest }), redirect: "manual" });
  return { response, action };
}

function options(over: Partial<SetupOptions> = {}): SetupOptions {
  n += 1;
  return {
    webhookUrl: WEBHOOK,
    githubUrl: gh.url,
    envFile: join(dir, `env-${n}`),
    repo: "acme/bot",
    name: `ouro-setup-${n}`,
    port: 0,
    ...over,
  };
}

describe("npm run setup (the real CLI process)", () => {
  it("registers the App from app.yml, writes .env 0600, and that .env runs the app", async () => {
    const envFile = join(dir, "cli.env");
    const child = spawn(
      process.execPath,
      [
        "app/setup/main.ts",
        "--webhook-url",
        WEBHOOK,
        "--github-url",
        gh.url,
        "--env-path",
        envFile,
        "--port",
        "0",
        "--repo",
        "acme/bot",
        "--name",
        "ouro-cli",
        "--discord-app-id",
        "123456789012345678",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const setupUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /Open (http:\/\/\S+) in your browser/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", () => reject(new Error(`setup exited early: ${out}${err}`)));
    });

    const { response, action } = await submitPage(setupUrl);
    expect(new URL(action).pathname).toBe("/settings/apps/new");
    expect(response.status).toBe(302);
    const back = await fetch(response.headers.get("location")!);
    expect(back.status).toBe(200);
    expect(await back.text()).toMatch(/GitHub App registered/);
    expect(await exited).toBe(0);
    expect(err).toBe("");
    expect(out).toMatch(/GitHub App "ouro-cli" registered \(id \d+\); credentials written to .*cli\.env \(mode 0600\)/);
    expect(out).toContain(`Install it on the repository Ouro manages: ${gh.url}/apps/ouro-cli/installations/new`);
    expect(out).toContain("Message Content Intent");
    expect(out).toContain(inviteUrl("123456789012345678"));

    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = parseEnv(readFileSync(envFile, "utf8")) as Record<string, string>;
    expect(env).toMatchObject({
      GHE_HOST: new URL(gh.url).host,
      GHE_PROTOCOL: "http",
      OURO_REPO: "acme/bot",
      DISCORD_APPLICATION_ID: "123456789012345678",
    });
    const config = loadConfig(env);
    expect(config.apiUrl).toBe(gh.apiUrl);

    // The App has exactly app.yml's grant, and its key mints an installation token that works.
    const installationId = gh.installApp(config.appId, "acme/bot");
    const probot = new Probot({ appId: config.appId, privateKey: config.privateKey, baseUrl: config.apiUrl, logLevel: "fatal" });
    expect((await (await probot.auth()).rest.apps.getAuthenticated()).data?.permissions).toEqual(appYml.default_permissions);
    const appKit = await probot.auth();
    const { token } = (await appKit.rest.apps.createInstallationAccessToken({ installation_id: installationId })).data;
    expect(token).toMatch(/^ghs_/);
    const repo = await new Octokit({ baseUrl: config.apiUrl, auth: token }).rest.repos.get({ owner: config.owner, repo: config.repo });
    expect(repo.data.full_name).toBe("acme/bot");
    // …and Probot, as the app runs it, authenticates as the installation by itself.
    const asInstallation = await probot.auth(installationId);
    expect((await asInstallation.rest.repos.get({ owner: "acme", repo: "bot" })).status).toBe(200);
    expect(gh.findApp("ouro-cli")?.webhookSecret).toBe(config.webhookSecret);
  });

  it("without --webhook-url: exit 2, says why and how (smee or a tunnel), writes nothing", async () => {
    const child = spawn(process.execPath, ["app/setup/main.ts", "--env-path", join(dir, "never.env")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(2);
    expect(err).toMatch(/--webhook-url is required/);
    expect(err).toMatch(/smee\.io/);
    expect(existsSync(join(dir, "never.env"))).toBe(false);
  });
});

describe("--public-url: the address people reach the app at", () => {
  it("becomes OURO_PUBLIC_URL and the App's callback URL, so the app's config signs people in with GitHub", async () => {
    const o = options({ publicUrl: "https://Ouro.Example.com:8443/" });
    const run = await startSetup(o);
    try {
      const page = await (await fetch(run.url)).text();
      const manifest = JSON.parse(unescape(/name="manifest" value="([^"]*)"/.exec(page)![1])) as { callback_urls?: string[] };
      expect(manifest.callback_urls).toEqual(["https://ouro.example.com:8443/console/auth/callback"]);
      const { response } = await submitPage(run.url);
      await fetch(response.headers.get("location")!);
      const r = await run.done;
      // GitHub (the stand-in's OAuth web flow) takes the callback URL as the App's own, and no other.
      const authorize = (redirectUri: string) =>
        fetch(
          `${gh.url}/login/oauth/authorize?${new URLSearchParams({ client_id: r.app.clientId, redirect_uri: redirectUri, state: "s" })}`,
          {
            redirect: "manual",
          },
        );
      const ours = await authorize("https://ouro.example.com:8443/console/auth/callback");
      expect(ours.status).toBe(302);
      expect(new URL(ours.headers.get("location")!, gh.url).pathname).toBe("/login");
      const other = await authorize("https://elsewhere.example.com/console/auth/callback");
      expect(other.headers.get("location")).toMatch(
        /^https:\/\/ouro\.example\.com:8443\/console\/auth\/callback\?error=redirect_uri_mismatch/,
      );
      const env = parseEnv(readFileSync(o.envFile, "utf8")) as Record<string, string>;
      expect(env.OURO_PUBLIC_URL).toBe("https://ouro.example.com:8443");
      expect(loadConfig(env).console).toMatchObject({
        mode: "production",
        publicUrl: "https://ouro.example.com:8443",
        github: { clientId: r.app.clientId },
      });
    } finally {
      await run.close();
    }
  });

  it("anything but scheme, host and port is refused in plain words before GitHub is involved; nothing is written", async () => {
    for (const [bad, why] of [
      ["https://ouro.example.com/console", /only the scheme, host and port.*no path, query or fragment/],
      ["https://ouro.example.com/?next=1", /no path, query or fragment/],
      ["https://ouro.example.com#top", /no path, query or fragment/],
      ["ftp://ouro.example.com", /must start with https:\/\/ \(or http:\/\/\)/],
      ["ouro.example.com", /must be the full address people open the app at, such as https:\/\/ouro\.example\.com/],
      ["https://me:pw@ouro.example.com", /must not hold a user name or password/],
    ] as const) {
      const o = options({ publicUrl: bad });
      await expect(startSetup(o), bad).rejects.toThrow(why);
      expect(existsSync(o.envFile), bad).toBe(false);
    }
  });

  it("an .env with another OURO_PUBLIC_URL is kept unless --force", async () => {
    const envFile = join(dir, "public.env");
    writeFileSync(envFile, "OURO_PUBLIC_URL=https://old.example.com\n");
    await expect(startSetup(options({ envFile, publicUrl: "https://new.example.com" }))).rejects.toThrow(
      /public\.env already sets OURO_PUBLIC_URL; nothing was written.*--force/,
    );
    expect(readFileSync(envFile, "utf8")).toBe("OURO_PUBLIC_URL=https://old.example.com\n");
  });

  it("the CLI: a bad --public-url exits 2 with the reason; alone, it also gives the webhook URL", async () => {
    const never = join(dir, "never-public.env");
    const bad = spawn(process.execPath, ["app/setup/main.ts", "--public-url", "https://ouro.example.com/app", "--env-path", never], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    bad.stderr.on("data", (d: Buffer) => (err += d.toString()));
    expect(await new Promise((resolve) => bad.on("exit", resolve))).toBe(2);
    expect(err).toMatch(/^setup: --public-url must be only the scheme, host and port/);
    expect(existsSync(never)).toBe(false);

    const child = spawn(
      process.execPath,
      [
        "app/setup/main.ts",
        "--public-url",
        "https://ouro.example.com",
        "--github-url",
        gh.url,
        "--env-path",
        join(dir, "alone.env"),
        "--port",
        "0",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise((resolve) => child.on("exit", resolve));
    try {
      const setupUrl = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /Open (http:\/\/\S+) in your browser/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on("exit", () => reject(new Error(`setup exited early: ${out}`)));
      });
      const page = await (await fetch(setupUrl)).text();
      const manifest = JSON.parse(unescape(/name="manifest" value="([^"]*)"/.exec(page)![1])) as {
        hook_attributes: { url: string };
        callback_urls: string[];
      };
      expect(manifest.hook_attributes.url).toBe("https://ouro.example.com/api/github/webhooks");
      expect(manifest.callback_urls).toEqual(["https://ouro.example.com/console/auth/callback"]);
    } finally {
      child.kill();
      await exited;
    }
  });
});

describe("bad input: a clear error and nothing written", () => {
  it("an unknown or already used code, or a foreign state, is refused on the page; .env is not written", async () => {
    const o = options();
    const run = await startSetup(o);
    try {
      const { response, action } = await submitPage(run.url);
      const state = new URL(action).searchParams.get("state")!;
      const code = new URL(response.headers.get("location")!).searchParams.get("code")!;

      const foreign = await fetch(`${run.url}callback?code=${code}&state=someone-else`);
      expect(foreign.status).toBe(400);
      expect(await foreign.text()).toMatch(/does not belong to this set-up/);

      const unknown = await fetch(`${run.url}callback?code=${"0".repeat(40)}&state=${state}`);
      expect(unknown.status).toBe(400);
      expect(await unknown.text()).toMatch(/did not accept the code: it was already used, is more than an hour old, or was never issued/);

      await new Octokit({ baseUrl: gh.apiUrl }).rest.apps.createFromManifest({ code }); // someone else spends it
      const used = await fetch(`${run.url}callback?code=${code}&state=${state}`);
      expect(used.status).toBe(400);
      expect(await used.text()).toMatch(/already used/);
      expect(existsSync(o.envFile)).toBe(false);
    } finally {
      await run.close();
    }
  });

  it("a manifest the stand-in rejects: GitHub's 422 says why, no App, no .env", async () => {
    const manifestFile = join(dir, "bad-app.yml");
    writeFileSync(manifestFile, "name: bad\nurl: https://example.com\ndefault_permissions:\n  contents: write\n  teleport: read\n");
    const o = options({ manifestFile, name: "ouro-bad-manifest" });
    const run = await startSetup(o);
    try {
      const { response } = await submitPage(run.url);
      expect(response.status).toBe(422);
      expect(await response.text()).toMatch(/"teleport" is not a GitHub App permission/);
      expect(gh.findApp("ouro-bad-manifest")).toBeNull();
      expect(existsSync(o.envFile)).toBe(false);
    } finally {
      await run.close();
    }
  });

  it("an unwritable .env is refused before GitHub is involved", async () => {
    const notAFolder = join(dir, "a-file");
    writeFileSync(notAFolder, "");
    await expect(startSetup(options({ envFile: join(notAFolder, ".env") }))).rejects.toThrow(
      /cannot write .*a-file\/\.env \(.*a-file is not a folder\); nothing was written/,
    );
    await expect(startSetup(options({ envFile: join(dir, "no-such-dir", ".env") }))).rejects.toThrow(/its folder does not exist/);
    await expect(startSetup(options({ webhookUrl: "smee.io/abc" }))).rejects.toThrow(/--webhook-url must be a full URL/);
  });

  it("an existing .env keeps its values unless --force, which says what it replaced", async () => {
    const envFile = join(dir, "existing.env");
    const before = "# mine\nAPP_ID=1\nWEBHOOK_SECRET=old-secret-1\nLOG_LEVEL=debug\n";
    writeFileSync(envFile, before);
    await expect(startSetup(options({ envFile }))).rejects.toThrow(
      /existing\.env already sets APP_ID, WEBHOOK_SECRET; nothing was written.*--force/,
    );
    expect(readFileSync(envFile, "utf8")).toBe(before);

    const run = await startSetup(options({ envFile, force: true }));
    try {
      const { response } = await submitPage(run.url);
      await fetch(response.headers.get("location")!);
      const r = await run.done;
      expect(r.replaced).toEqual(["APP_ID", "WEBHOOK_SECRET"]);
      const text = readFileSync(envFile, "utf8");
      expect(text).toMatch(/^# mine\nAPP_ID=\d+\nWEBHOOK_SECRET=\w+\nLOG_LEVEL=debug\n/);
      expect(parseEnv(text).APP_ID).toBe(String(r.app.id));
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
    } finally {
      await run.close();
    }
  });

  it("--key-file writes the key 0600 and PRIVATE_KEY_PATH; an organization's page is used with --org", async () => {
    const keyFile = join(dir, "app.pem");
    const o = options({ keyFile, org: "acme" });
    const run = await startSetup(o);
    try {
      const { response, action } = await submitPage(run.url);
      expect(new URL(action).pathname).toBe("/organizations/acme/settings/apps/new");
      await fetch(response.headers.get("location")!);
      await run.done;
      const env = parseEnv(readFileSync(o.envFile, "utf8")) as Record<string, string>;
      expect(env.PRIVATE_KEY).toBeUndefined();
      expect(env.PRIVATE_KEY_PATH).toBe(keyFile);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(loadConfig(env).privateKey).toMatch(/-----BEGIN RSA PRIVATE KEY-----/);
    } finally {
      await run.close();
    }
  });
});

describe("the Discord application", () => {
  it("privileged intents come from createBot's intents list", () => {
    const intents = botIntents();
    expect(intents.length).toBeGreaterThan(0);
    for (const i of intents) expect(GatewayIntentBits).toHaveProperty(i);
    expect(privilegedIntents(["Guilds", "GuildMembers", "MessageContent"])).toEqual(["Server Members Intent", "Message Content Intent"]);
    expect(privilegedIntents()).toEqual(intents.includes("MessageContent") ? ["Message Content Intent"] : []);
  });
  it("the invite URL asks for bot + applications.commands and the named permissions' bits", () => {
    const u = new URL(inviteUrl("123456789012345678"));
    expect(`${u.origin}${u.pathname}`).toBe("https://discord.com/oauth2/authorize");
    expect(u.searchParams.get("client_id")).toBe("123456789012345678");
    expect(u.searchParams.get("scope")).toBe("bot applications.commands");
    const bits = BigInt(u.searchParams.get("permissions")!);
    for (const p of BOT_PERMISSIONS) expect(bits & PermissionFlagsBits[p.name]).toBe(PermissionFlagsBits[p.name]);
    expect(bits & PermissionFlagsBits.Administrator).toBe(0n);
    expect(bits).toBe(BOT_PERMISSIONS.reduce((n, p) => n | PermissionFlagsBits[p.name], 0n));
  });
});
