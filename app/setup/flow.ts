// `npm run setup`'s GitHub half, as Probot's setup mode does it: a local page posts app.yml
// as a manifest to GitHub; GitHub redirects back with a one-time code; the code becomes the
// App's credentials, written to .env. Nothing is written unless the whole exchange worked.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { convertCode } from "./conversion.ts";
import type { NewApp } from "./conversion.ts";
import { assertWritable, conflicts, readEnvFile, writeEnvFile } from "./env-file.ts";
import { AUTH_PREFIX } from "../console/auth/index.ts";
import { buildManifest, checkPublicUrl, checkWebhookUrl, SetupError } from "./manifest.ts";
import { donePage, errorPage, startPage } from "./page.ts";

export interface SetupOptions {
  /** Where GitHub sends webhooks (a smee.io channel or tunnel in development). */
  webhookUrl: string;
  /** GitHub's web address: https://github.com, a GitHub Enterprise Server, or the local stand-in. */
  githubUrl?: string;
  /** Register the App under this organization instead of your personal account. */
  org?: string;
  /** The manifest (default: app.yml at the repository root). */
  manifestFile?: string;
  /** The App's name on GitHub (default: the manifest's); GitHub names must be unique. */
  name?: string;
  envFile: string;
  /** Write the PEM to this file (mode 0600) and PRIVATE_KEY_PATH, instead of PRIVATE_KEY inline. */
  keyFile?: string;
  /**
   * The address people reach the app at (OURO_PUBLIC_URL, written if given): the console's
   * GitHub sign-in sends them back to `<publicUrl>/console/auth/callback`, the App's callback URL.
   */
  publicUrl?: string;
  /** OURO_REPO (owner/name) to write, if given. */
  repo?: string;
  /** DISCORD_APPLICATION_ID to write, if given. */
  discordAppId?: string;
  /** Replace values .env already has. */
  force?: boolean;
  port?: number;
  host?: string;
}

export interface SetupResult {
  app: NewApp;
  installUrl: string;
  envFile: string;
  /** Keys whose earlier values in .env were replaced (only with force). */
  replaced: string[];
}

export interface SetupRun {
  /** The page to open in a browser. */
  url: string;
  /** Settles once the credentials are written (or writing them failed for good). */
  done: Promise<SetupResult>;
  close(): Promise<void>;
}

/** Credentials were made on GitHub but could not be written: the run cannot go on. */
class WriteFailed extends SetupError {}

const CREDENTIAL_KEYS = ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"];
const DEFAULT_MANIFEST = new URL("../../app.yml", import.meta.url).pathname;

/** `https://github.com/settings/apps/new` or the organization's, with `state`. */
export function createAppUrl(githubUrl: string, org: string | undefined, state: string): string {
  const u = new URL(`${org ? `/organizations/${encodeURIComponent(org)}` : ""}/settings/apps/new`, githubUrl);
  u.searchParams.set("state", state);
  return u.toString();
}

/**
 * GHE_HOST/GHE_PROTOCOL for anything but github.com (Probot's convention); for github.com,
 * empty values that clear ones an earlier set-up left in `existing`.
 */
export function hostVars(githubUrl: string, existing: Record<string, string>): Record<string, string> {
  const u = new URL(githubUrl);
  if (u.host !== "github.com") return { GHE_HOST: u.host, GHE_PROTOCOL: u.protocol.replace(":", "") };
  return Object.fromEntries(["GHE_HOST", "GHE_PROTOCOL"].filter((k) => existing[k]).map((k) => [k, ""]));
}

/** Checks everything that can be checked before GitHub is involved; throws SetupError. */
export function preflight(opts: SetupOptions): void {
  checkWebhookUrl(opts.webhookUrl);
  const publicUrl = opts.publicUrl === undefined ? undefined : checkPublicUrl(opts.publicUrl);
  const githubUrl = opts.githubUrl ?? "https://github.com";
  if (!/^https?:\/\//.test(githubUrl)) throw new SetupError(`--github-url must be http(s)://host, got ${JSON.stringify(githubUrl)}`);
  if (opts.repo !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(opts.repo))
    throw new SetupError(`--repo must be owner/name, got ${JSON.stringify(opts.repo)}`);
  if (opts.org !== undefined && !/^[A-Za-z0-9-]+$/.test(opts.org))
    throw new SetupError(`--org must be an organization's login, got ${JSON.stringify(opts.org)}`);
  assertWritable(opts.envFile);
  if (opts.keyFile) assertWritable(opts.keyFile);
  const existing = readEnvFile(opts.envFile);
  const taken = CREDENTIAL_KEYS.filter((k) => existing[k]);
  const moved = conflicts(existing, {
    ...hostVars(githubUrl, existing),
    ...(opts.repo ? { OURO_REPO: opts.repo } : {}),
    ...(publicUrl ? { OURO_PUBLIC_URL: publicUrl } : {}),
  });
  if (opts.keyFile && existsSync(opts.keyFile) && !opts.force)
    throw new SetupError(`${opts.keyFile} exists already; nothing was written. Choose another --key-file, or pass --force to replace it.`);
  if ((taken.length > 0 || moved.length > 0) && !opts.force)
    throw new SetupError(
      `${opts.envFile} already sets ${[...taken, ...moved].join(", ")}; nothing was written. ` +
        "Move the file aside, or pass --force to replace those values with the new App's.",
    );
  buildManifest({ file: opts.manifestFile ?? DEFAULT_MANIFEST, webhookUrl: opts.webhookUrl, redirectUrl: "http://127.0.0.1/" });
}

/** What goes into .env for a converted App. */
function envValues(opts: SetupOptions, app: NewApp, keyPath: string | undefined): Record<string, string> {
  const existing = readEnvFile(opts.envFile);
  return {
    APP_ID: String(app.id),
    ...(keyPath ? { PRIVATE_KEY_PATH: keyPath } : { PRIVATE_KEY: app.pem }),
    WEBHOOK_SECRET: app.webhookSecret,
    GITHUB_CLIENT_ID: app.clientId,
    GITHUB_CLIENT_SECRET: app.clientSecret,
    ...hostVars(opts.githubUrl ?? "https://github.com", existing),
    ...(opts.repo ? { OURO_REPO: opts.repo } : {}),
    ...(opts.publicUrl ? { OURO_PUBLIC_URL: checkPublicUrl(opts.publicUrl) } : {}),
    // The bot link's shared secret: made here once, kept if .env has one.
    ...(existing.OURO_APP_TOKEN ? {} : { OURO_APP_TOKEN: randomBytes(24).toString("hex") }),
    // The key that seals personal data in the app's store: made once, kept if .env has one
    // (a store written with one key does not open with another).
    ...(existing.OURO_ENCRYPTION_KEY ? {} : { OURO_ENCRYPTION_KEY: randomBytes(32).toString("hex") }),
    ...(opts.discordAppId ? { DISCORD_APPLICATION_ID: opts.discordAppId } : {}),
  };
}

export async function startSetup(opts: SetupOptions): Promise<SetupRun> {
  preflight(opts);
  const githubUrl = opts.githubUrl ?? "https://github.com";
  const webhookUrl = checkWebhookUrl(opts.webhookUrl);
  const callbackUrl = opts.publicUrl === undefined ? undefined : `${checkPublicUrl(opts.publicUrl)}${AUTH_PREFIX}/callback`;
  const state = randomBytes(16).toString("hex");
  let finish!: (r: SetupResult) => void;
  let fail!: (e: Error) => void;
  const done = new Promise<SetupResult>((res, rej) => ((finish = res), (fail = rej)));
  let busy = false;
  let finished = false;

  const server: Server = createServer((req, res) => {
    const html = (status: number, body: string) =>
      res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(body);
    const url = new URL(req.url ?? "/", "http://setup");
    const base = `http://${req.headers.host ?? `127.0.0.1:${(server.address() as AddressInfo).port}`}`;
    if (req.method === "GET" && url.pathname === "/") {
      try {
        const manifest = buildManifest({
          file: opts.manifestFile ?? DEFAULT_MANIFEST,
          webhookUrl,
          redirectUrl: `${base}/callback`,
          name: opts.name,
          callbackUrl,
        });
        return void html(200, startPage({ createAppUrl: createAppUrl(githubUrl, opts.org, state), manifest, webhookUrl }));
      } catch (e) {
        return void html(500, errorPage((e as Error).message));
      }
    }
    if (req.method === "GET" && url.pathname === "/callback") {
      const code = url.searchParams.get("code");
      if (finished) return void html(409, errorPage("This set-up has already finished; its credentials are in " + opts.envFile + "."));
      if (url.searchParams.get("state") !== state)
        return void html(
          400,
          errorPage("This link does not belong to this set-up (its state does not match). Start from the set-up page."),
        );
      if (!code) return void html(400, errorPage("GitHub sent no code. Start again from the set-up page."));
      if (busy) return void html(409, errorPage("The code is being converted already; wait for the terminal."));
      busy = true;
      void convertAndWrite(code).then(
        (r) => {
          finished = true;
          html(200, donePage({ name: r.app.name, installUrl: r.installUrl, envFile: opts.envFile }));
          finish(r);
        },
        (e: Error) => {
          busy = false;
          html(e instanceof SetupError ? 400 : 500, errorPage(e.message));
          if (e instanceof WriteFailed) fail(e);
        },
      );
      return;
    }
    html(404, errorPage("Not found: open the set-up page at /"));
  });

  async function convertAndWrite(code: string): Promise<SetupResult> {
    const app = await convertCode(githubUrl, code);
    try {
      if (opts.keyFile) writeKeyFile(opts.keyFile, app.pem);
      const replaced = writeEnvFile(opts.envFile, envValues(opts, app, opts.keyFile), {
        force: opts.force ?? false,
        header: `GitHub App "${app.name}" (${app.htmlUrl}), written by npm run setup`,
        comments: opts.discordAppId ? ["# DISCORD_TOKEN=  (the bot's token: Discord developer portal → Bot → Reset Token)"] : [],
      });
      return { app, installUrl: `${app.htmlUrl}/installations/new`, envFile: opts.envFile, replaced };
    } catch (e) {
      // The code is spent: say what exists so nothing is lost silently.
      throw new WriteFailed(
        `the App ${app.name} (id ${app.id}) was registered but its credentials could not be written: ${(e as Error).message} ` +
          `Generate a new private key at ${app.htmlUrl} (Settings → Private keys) and set APP_ID=${app.id}, PRIVATE_KEY and WEBHOOK_SECRET by hand.`,
      );
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new SetupError(`port ${opts.port ?? 3000} is in use; pass --port with a free one`) : e),
    );
    server.listen(opts.port ?? 3000, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? "127.0.0.1";
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`,
    done,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function writeKeyFile(path: string, pem: string): void {
  writeFileSync(path, pem, { mode: 0o600 });
  chmodSync(path, 0o600);
}
