// The manifest `npm run setup` sends: app.yml (the least-privilege permissions and events, as
// reviewed) with this installation's webhook URL and the set-up server's redirect.
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export interface AppManifest {
  name: string;
  url: string;
  description?: string;
  hook_attributes: { url: string; active: boolean };
  redirect_url: string;
  /** Where GitHub may send people back after signing in through the App (the console's callback). */
  callback_urls?: string[];
  public: boolean;
  default_permissions: Record<string, string>;
  default_events: string[];
  [key: string]: unknown;
}

export class SetupError extends Error {
  override name = "SetupError";
}

/** A webhook URL GitHub can call: http(s), absolute. */
export function checkWebhookUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new SetupError(`--webhook-url must be a full URL such as https://smee.io/AbCd1234, got ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    throw new SetupError(`--webhook-url must start with https:// (or http://), got ${JSON.stringify(raw)}`);
  return u.toString();
}

/**
 * The address people reach the app at (OURO_PUBLIC_URL), as scheme://host[:port] with nothing
 * after it: the console and GitHub's sign-in callback (/console/auth/callback) go under it.
 */
export function checkPublicUrl(raw: string): string {
  const example = "such as https://ouro.example.com or http://127.0.0.1:3000";
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new SetupError(`--public-url must be the full address people open the app at, ${example}; got ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    throw new SetupError(`--public-url must start with https:// (or http://), got ${JSON.stringify(raw)}`);
  if (u.username || u.password) throw new SetupError(`--public-url must not hold a user name or password, got ${JSON.stringify(u.host)}`);
  // Only scheme, host and port: `https://x/console`, `https://x/?a` or `https://x/#b` would break the callback URL.
  if (!/^https?:\/\/[^/?#\s@]+\/?$/i.test(raw.trim()))
    throw new SetupError(
      `--public-url must be only the scheme, host and port, ${example} (no path, query or fragment: the console's ` +
        `pages and /console/auth/callback are added to it); got ${JSON.stringify(raw)}`,
    );
  return u.origin;
}

/** Reads the manifest file and sets the webhook, redirect and, if given, callback URLs and name. */
export function buildManifest(opts: {
  file: string;
  webhookUrl: string;
  redirectUrl: string;
  name?: string;
  callbackUrl?: string;
}): AppManifest {
  let text: string;
  try {
    text = readFileSync(opts.file, "utf8");
  } catch (e) {
    throw new SetupError(`cannot read the App manifest ${opts.file}: ${(e as Error).message}`);
  }
  const m = parse(text) as Partial<AppManifest> | null;
  if (!m || typeof m !== "object" || typeof m.name !== "string")
    throw new SetupError(`${opts.file} is not a GitHub App manifest (it needs at least a name)`);
  return {
    ...m,
    name: opts.name ?? m.name,
    url: m.url ?? "https://github.com",
    hook_attributes: { ...m.hook_attributes, url: opts.webhookUrl, active: true },
    redirect_url: opts.redirectUrl,
    ...(opts.callbackUrl ? { callback_urls: [opts.callbackUrl] } : {}),
    public: m.public ?? false,
    default_permissions: m.default_permissions ?? {},
    default_events: m.default_events ?? [],
  };
}
