// The GitHub App manifest flow (docs: "Registering a GitHub App from a manifest"):
// 1. a page POSTs the form field `manifest` (JSON) to `/settings/apps/new?state=…` or
//    `/organizations/{org}/settings/apps/new?state=…`; GitHub shows it to a person who clicks
//    "Create GitHub App" and redirects to `redirect_url?code=…&state=…`. The stand-in plays
//    that person: it registers the App with exactly the manifest's permissions, events and
//    webhook, then redirects.
// 2. `POST /app-manifests/{code}/conversions` (no credentials) trades the code, once and within
//    an hour, for the App's id, key (`pem`), webhook secret and client secret.
// Codes live in memory: a restarted stand-in forgets the unconverted ones (GitHub's are
// short-lived too).
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Core } from "../domain.ts";
import { HttpError, notFound } from "../router.ts";
import type { Router } from "../router.ts";

const DOCS = "https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest";
const CODE_TTL_MS = 60 * 60 * 1000;

/** GitHub's App permissions and their levels (`app-permissions` in GitHub's REST description). */
export const APP_PERMISSIONS: Readonly<Record<string, readonly string[]>> = (() => {
  const rw = ["read", "write"];
  const rwa = ["read", "write", "admin"];
  const out: Record<string, readonly string[]> = {};
  for (const k of [
    "actions",
    "administration",
    "artifact_metadata",
    "attestations",
    "checks",
    "code_quality",
    "codespaces",
    "contents",
    "dependabot_secrets",
    "deployments",
    "discussions",
    "environments",
    "issues",
    "merge_queues",
    "metadata",
    "packages",
    "pages",
    "pull_requests",
    "repository_custom_properties",
    "repository_hooks",
    "secret_scanning_alerts",
    "secrets",
    "security_events",
    "single_file",
    "statuses",
    "vulnerability_alerts",
    "custom_properties_for_organizations",
    "members",
    "organization_administration",
    "organization_custom_roles",
    "organization_custom_org_roles",
    "organization_copilot_seat_management",
    "organization_copilot_agent_settings",
    "organization_announcement_banners",
    "organization_hooks",
    "organization_personal_access_tokens",
    "organization_personal_access_token_requests",
    "organization_packages",
    "organization_secrets",
    "organization_self_hosted_runners",
    "organization_user_blocking",
    "email_addresses",
    "followers",
    "git_ssh_keys",
    "gpg_keys",
    "interaction_limits",
    "starring",
  ])
    out[k] = rw;
  for (const k of [
    "repository_projects",
    "organization_custom_properties",
    "organization_projects",
    "enterprise_custom_properties_for_organizations",
  ])
    out[k] = rwa;
  for (const k of ["organization_events", "organization_plan"]) out[k] = ["read"];
  for (const k of ["workflows", "profile"]) out[k] = ["write"];
  return out;
})();

/** Webhook events an App can subscribe to (the `X-GitHub-Event` names in GitHub's webhook description). */
export const WEBHOOK_EVENTS: ReadonlySet<string> = new Set(
  (
    "branch_protection_configuration branch_protection_rule check_run check_suite code_scanning_alert commit_comment create " +
    "custom_property custom_property_values delete dependabot_alert deploy_key deployment deployment_protection_rule " +
    "deployment_review deployment_status discussion discussion_comment fork github_app_authorization gollum installation " +
    "installation_repositories installation_target issue_comment issue_dependencies issues label marketplace_purchase member " +
    "membership merge_group meta milestone org_block organization package page_build personal_access_token_request ping project " +
    "project_card project_column projects_v2 projects_v2_item projects_v2_status_update public pull_request pull_request_review " +
    "pull_request_review_comment pull_request_review_thread push registry_package release repository repository_advisory " +
    "repository_dispatch repository_import repository_ruleset repository_vulnerability_alert secret_scanning_alert " +
    "secret_scanning_alert_location secret_scanning_scan security_advisory security_and_analysis sponsorship star status " +
    "sub_issues team team_add watch workflow_dispatch workflow_job workflow_run"
  ).split(" "),
);

/** The manifest fields the flow uses, checked as GitHub checks them. */
export interface Manifest {
  name: string;
  url: string;
  description?: string;
  hookUrl: string | null;
  hookActive: boolean;
  redirectUrl: string;
  permissions: Record<string, string>;
  events: string[];
  public: boolean;
  callbackUrls: string[];
}

const rejected = (message: string): HttpError => new HttpError(422, message, { docs: DOCS });

function httpUrl(v: unknown, field: string): string {
  if (typeof v !== "string") throw rejected(`${field} must be a URL`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw rejected(`${field} must be a URL, got ${JSON.stringify(v)}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw rejected(`${field} must be an http(s) URL, got ${JSON.stringify(v)}`);
  return v;
}

/** Parses the `manifest` form field; anything GitHub would refuse is a 422 naming it. */
export function parseManifest(raw: string | undefined): Manifest {
  if (!raw) throw rejected('The form has no "manifest" field');
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    throw rejected("The manifest is not valid JSON");
  }
  if (!m || typeof m !== "object" || Array.isArray(m)) throw rejected("The manifest must be a JSON object");
  const o = m as Record<string, unknown>;
  if (typeof o.name !== "string" || !o.name.trim()) throw rejected("The manifest has no name (the stand-in needs one: nobody types it)");
  if (o.name.length > 34) throw rejected(`Name is too long (maximum is 34 characters): ${JSON.stringify(o.name)}`);
  const url = httpUrl(o.url, "url");
  const redirectUrl = httpUrl(o.redirect_url, "redirect_url");
  const hook = o.hook_attributes;
  if (hook !== undefined && (!hook || typeof hook !== "object" || Array.isArray(hook)))
    throw rejected("hook_attributes must be an object with a url");
  const h = (hook ?? {}) as Record<string, unknown>;
  if (hook !== undefined && h.url === undefined) throw rejected("hook_attributes.url is required");
  const hookActive = h.active === undefined ? true : h.active;
  if (typeof hookActive !== "boolean") throw rejected("hook_attributes.active must be true or false");
  const hookUrl = h.url === undefined ? null : httpUrl(h.url, "hook_attributes.url");

  const perms = o.default_permissions ?? {};
  if (!perms || typeof perms !== "object" || Array.isArray(perms))
    throw rejected("default_permissions must be an object of permission: level");
  const permissions: Record<string, string> = {};
  for (const [name, level] of Object.entries(perms as Record<string, unknown>)) {
    const levels = APP_PERMISSIONS[name];
    if (!levels) throw rejected(`default_permissions: "${name}" is not a GitHub App permission`);
    if (typeof level !== "string" || !levels.includes(level))
      throw rejected(`default_permissions: ${name} can be ${levels.join(" or ")}, not ${JSON.stringify(level)}`);
    permissions[name] = level;
  }
  const events = o.default_events ?? [];
  if (!Array.isArray(events) || events.some((e) => typeof e !== "string")) throw rejected("default_events must be a list of event names");
  for (const e of events as string[]) if (!WEBHOOK_EVENTS.has(e)) throw rejected(`default_events: "${e}" is not a webhook event`);
  if (o.callback_urls !== undefined) {
    if (!Array.isArray(o.callback_urls)) throw rejected("callback_urls must be a list of URLs");
    if (o.callback_urls.length > 10) throw rejected("callback_urls can hold at most 10 URLs");
    o.callback_urls.forEach((u, i) => httpUrl(u, `callback_urls[${i}]`));
  }
  if (o.setup_url !== undefined) httpUrl(o.setup_url, "setup_url");
  if (o.public !== undefined && typeof o.public !== "boolean") throw rejected("public must be true or false");
  if (o.description !== undefined && typeof o.description !== "string") throw rejected("description must be a string");
  return {
    name: o.name,
    url,
    description: o.description as string | undefined,
    hookUrl,
    hookActive,
    redirectUrl,
    permissions,
    events: [...new Set(events as string[])],
    public: o.public === true,
    callbackUrls: (o.callback_urls as string[] | undefined) ?? [],
  };
}

interface PendingCode {
  appId: number;
  pem: string;
  clientSecret: string;
  expiresAt: number;
}

const pendingByCore = new WeakMap<Core, Map<string, PendingCode>>();
const pendingOf = (core: Core): Map<string, PendingCode> => {
  let m = pendingByCore.get(core);
  if (!m) pendingByCore.set(core, (m = new Map()));
  return m;
};

/** `POST /app-manifests/{code}/conversions`: 201 with the App and its secrets; 404 for a used, expired or unknown code. */
export function registerManifestRoutes(r: Router, core: Core): void {
  r.add(
    "POST",
    "/app-manifests/{code}/conversions",
    (ctx) => {
      const pending = pendingOf(core);
      const p = pending.get(ctx.params.code);
      pending.delete(ctx.params.code); // single use, whatever the outcome
      if (!p || p.expiresAt <= Date.now()) throw notFound();
      const app = core.store.data.apps[String(p.appId)];
      if (!app) throw notFound();
      return {
        status: 201,
        body: {
          ...core.shapes.app(app),
          installations_count: 0,
          client_id: app.clientId,
          client_secret: p.clientSecret,
          webhook_secret: app.webhookSecret,
          pem: p.pem,
        },
      };
    },
    "any",
  );
}

/** `/settings/apps/new` or `/organizations/{org}/settings/apps/new`: the owner, or null for another path. */
export function manifestFormOwner(pathname: string): { org?: string } | null {
  if (/^\/settings\/apps\/new\/?$/.test(pathname)) return {};
  const m = /^\/organizations\/([A-Za-z0-9-]+)\/settings\/apps\/new\/?$/.exec(pathname);
  return m ? { org: m[1] } : null;
}

const FORM_LIMIT = 1024 * 1024;

/**
 * The registration page's form POST, answered as if a person had clicked "Create GitHub App":
 * 302 to `redirect_url?code=…&state=…`, or 422 with the reason and nothing registered.
 */
export async function serveManifestForm(
  core: Core,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  owner: { org?: string },
): Promise<void> {
  const plain = (status: number, text: string): void =>
    void res
      .writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": String(Buffer.byteLength(text)) })
      .end(text);
  if (req.method !== "POST") return plain(405, "Use the manifest form: POST with a `manifest` field");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > FORM_LIMIT) return plain(413, "The form is too large");
    chunks.push(c as Buffer);
  }
  const type = String(req.headers["content-type"] ?? "");
  if (!type.startsWith("application/x-www-form-urlencoded"))
    return plain(415, "The manifest form must be sent as application/x-www-form-urlencoded");
  const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  let manifest: Manifest;
  try {
    manifest = parseManifest(form.get("manifest") ?? undefined);
  } catch (e) {
    if (e instanceof HttpError) return plain(e.status, `Could not create the GitHub App: ${e.message}\n`);
    throw e;
  }
  const state = url.searchParams.get("state") ?? form.get("state");
  let created;
  try {
    created = core.registerApp({
      name: manifest.name,
      owner: owner.org ?? "ouro-admin",
      webhookUrl: manifest.hookActive ? manifest.hookUrl : null,
      events: manifest.events,
      permissions: manifest.permissions,
      callbackUrls: manifest.callbackUrls,
    });
  } catch (e) {
    if (e instanceof HttpError) return plain(422, `Could not create the GitHub App: ${e.message}\n`);
    throw e;
  }
  const code = randomBytes(20).toString("hex");
  pendingOf(core).set(code, {
    appId: created.app.id,
    pem: created.privateKey,
    clientSecret: created.clientSecret,
    expiresAt: Date.now() + CODE_TTL_MS,
  });
  const to = new URL(manifest.redirectUrl);
  to.searchParams.set("code", code);
  if (state !== null) to.searchParams.set("state", state);
  core.log.info(`manifest flow: registered App ${created.app.slug} (${created.app.id}); redirecting to ${to.origin}${to.pathname}`);
  res.writeHead(302, { location: to.toString(), "content-type": "text/plain; charset=utf-8" }).end(`Found. Redirecting to ${to}`);
}
