// Step 2 of the manifest flow: trade the one-time code GitHub put in the redirect for the
// new App's credentials (`POST /app-manifests/{code}/conversions`, no credentials needed).
import { Octokit } from "@octokit/rest";
import { SetupError } from "./manifest.ts";

export interface NewApp {
  id: number;
  slug: string;
  name: string;
  htmlUrl: string;
  pem: string;
  webhookSecret: string;
  clientId: string;
  clientSecret: string;
  permissions: Record<string, string | undefined>;
  events: string[];
}

/** GitHub's web address → its REST base (github.com's API lives on its own host). */
export function apiUrlFor(githubUrl: string): string {
  const u = new URL(githubUrl);
  return u.host === "github.com" ? "https://api.github.com" : `${u.origin}/api/v3`;
}

export async function convertCode(githubUrl: string, code: string): Promise<NewApp> {
  const octokit = new Octokit({
    baseUrl: apiUrlFor(githubUrl),
    userAgent: "ouro-setup",
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  try {
    const { data } = await octokit.rest.apps.createFromManifest({ code });
    if (!data || !data.pem || !data.webhook_secret) throw new SetupError("GitHub's answer has no private key or webhook secret");
    return {
      id: data.id,
      slug: data.slug ?? String(data.id),
      name: data.name,
      htmlUrl: data.html_url,
      pem: data.pem,
      webhookSecret: data.webhook_secret,
      clientId: data.client_id,
      clientSecret: data.client_secret,
      permissions: data.permissions as Record<string, string | undefined>,
      events: data.events,
    };
  } catch (e) {
    if (e instanceof SetupError) throw e;
    const status = (e as { status?: number }).status;
    if (status === 404)
      throw new SetupError(
        "GitHub did not accept the code: it was already used, is more than an hour old, or was never issued. Start again with `npm run setup`.",
      );
    throw new SetupError(`GitHub did not convert the code${status ? ` (HTTP ${status})` : ""}: ${(e as Error).message}`);
  }
}
