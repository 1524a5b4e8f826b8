// GitHub's web application flow for a GitHub App's user access token ("Generating a user
// access token for a GitHub App"): the authorize URL, the code → token exchange, and who the
// token belongs to. The token is used for that one question and then dropped.
import { Octokit } from "@octokit/rest";
import { apiUrlFor } from "../../setup/conversion.ts";

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** GitHub's web address: https://github.com, a GitHub Enterprise Server, or the stand-in. */
  webUrl: string;
}

export function authorizeUrl(c: OAuthClient, redirectUri: string, state: string): string {
  const u = new URL("/login/oauth/authorize", c.webUrl);
  u.searchParams.set("client_id", c.clientId);
  u.searchParams.set("redirect_uri", redirectUri);
  u.searchParams.set("state", state);
  u.searchParams.set("allow_signup", "false");
  return u.toString();
}

/** A refusal GitHub gave in plain words (never containing the code or a token). */
export class OAuthRefused extends Error {
  override name = "OAuthRefused";
}

/** `POST {webUrl}/login/oauth/access_token` → the user access token. GitHub answers errors with 200 and `{ error }`. */
export async function exchangeCode(c: OAuthClient, code: string, redirectUri: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(new URL("/login/oauth/access_token", c.webUrl), {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json", "user-agent": "ouro-console" },
      body: JSON.stringify({ client_id: c.clientId, client_secret: c.clientSecret, code, redirect_uri: redirectUri }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (e) {
    throw new OAuthRefused(`GitHub could not be reached to finish the sign-in (${(e as Error).message})`);
  }
  let body: Record<string, unknown>;
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    throw new OAuthRefused(`GitHub answered the sign-in with HTTP ${res.status} and no JSON`);
  }
  if (typeof body.error === "string") {
    const why = typeof body.error_description === "string" ? body.error_description : body.error;
    throw new OAuthRefused(`GitHub refused the sign-in: ${why} (${body.error})`);
  }
  if (!res.ok || typeof body.access_token !== "string" || body.access_token === "")
    throw new OAuthRefused(`GitHub answered the sign-in with HTTP ${res.status} but no access token`);
  return body.access_token;
}

/** The login the user access token belongs to (`GET /user`). */
export async function loginOf(c: OAuthClient, token: string): Promise<string> {
  const octokit = new Octokit({
    auth: token,
    baseUrl: apiUrlFor(c.webUrl),
    userAgent: "ouro-console",
    log: { debug() {}, info() {}, warn() {}, error() {} },
    request: { retries: 0 },
  });
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (e) {
    const status = (e as { status?: number }).status;
    throw new OAuthRefused(`GitHub did not say who signed in${status ? ` (HTTP ${status})` : ""}`);
  }
}
