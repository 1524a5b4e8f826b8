// GitHub App endpoints (App JWT) and the account endpoints, including the App webhook's
// delivery log and redelivery (`/app/hook/deliveries…`), which apps use to handle failed
// deliveries since GitHub does not redeliver them by itself.
import type { Core } from "../domain.ts";
import { HttpError, invalid, notFound, paginate } from "../router.ts";
import type { Ctx, Reply, Router } from "../router.ts";
import type { DeliveryRec } from "../store.ts";

export function registerAppRoutes(r: Router, core: Core): void {
  const { store, shapes } = core;
  const appOf = (ctx: Ctx) => {
    if (ctx.auth.kind !== "app") throw new HttpError(401, "A JSON web token could not be decoded");
    return ctx.auth.app;
  };
  const installationOf = (ctx: Ctx) => {
    const app = appOf(ctx);
    const inst = store.data.installations[ctx.params.installation_id];
    if (!inst || inst.appId !== app.id) throw notFound();
    return inst;
  };

  r.add("GET", "/app", (ctx) => shapes.app(appOf(ctx)), "jwt");
  r.add(
    "GET",
    "/app/installations",
    (ctx) => {
      const app = appOf(ctx);
      const list = Object.values(store.data.installations)
        .filter((i) => i.appId === app.id)
        .map((i) => shapes.installation(i));
      return paginate(ctx, list, shapes.api);
    },
    "jwt",
  );
  r.add("GET", "/app/installations/{installation_id}", (ctx) => shapes.installation(installationOf(ctx)), "jwt");
  r.add(
    "POST",
    "/app/installations/{installation_id}/access_tokens",
    (ctx) => {
      const inst = installationOf(ctx);
      const app = store.data.apps[String(inst.appId)];
      const permissions = narrowedPermissions(app.permissions, ctx.body.permissions);
      const { token, expiresAt } = core.installationToken(inst, permissions);
      return {
        status: 201,
        body: { token, expires_at: expiresAt, permissions: permissions ?? app.permissions, repository_selection: inst.selection },
      };
    },
    "jwt",
  );
  r.add(
    "GET",
    "/repos/{owner}/{repo}/installation",
    (ctx) => {
      const app = appOf(ctx);
      const k = `${ctx.params.owner}/${ctx.params.repo}`.toLowerCase();
      const inst = Object.values(store.data.installations).find((i) => i.appId === app.id && core.installationCovers(i, k));
      if (!inst || !store.data.repos[k]) throw notFound();
      return shapes.installation(inst);
    },
    "jwt",
  );
  // The delivery log: newest first, paged by `cursor` (GitHub's `v1_…` form) in `Link`.
  // A delivery shows once it has an outcome (the stand-in's own retries still running hide it).
  r.add(
    "GET",
    "/app/hook/deliveries",
    (ctx): Reply => {
      const app = appOf(ctx);
      const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page") ?? 30) || 30));
      const cursor = ctx.query.get("cursor");
      const from = cursor === null ? Infinity : Number(/^v1_(\d+)$/.exec(cursor)?.[1] ?? NaN);
      if (Number.isNaN(from)) throw new HttpError(400, "Invalid cursor");
      const status = ctx.query.get("status");
      if (status !== null && status !== "success" && status !== "failure") throw invalid(`"${status}" is not a valid status`, "status");
      const inRange = (d: DeliveryRec) =>
        status === null || (status === "success" ? d.statusCode >= 200 && d.statusCode < 400 : d.statusCode >= 400 && d.statusCode < 600);
      const all = core.deliveries
        .list({ appId: app.id })
        .filter((d) => d.status !== "pending" && d.id <= from && inRange(d))
        .reverse();
      const page = all.slice(0, perPage);
      const headers: Record<string, string> = {};
      if (all.length > perPage) {
        const q = new URLSearchParams(ctx.query);
        q.set("per_page", String(perPage));
        q.set("cursor", `v1_${all[perPage].id}`);
        headers.link = `<${shapes.api}${ctx.path}?${q}>; rel="next"`;
      }
      return { body: page.map((d) => shapes.hookDelivery(d)), headers };
    },
    "jwt",
  );
  const deliveryOf = (ctx: Ctx) => {
    const app = appOf(ctx);
    const d = core.deliveries.get(Number(ctx.params.delivery_id));
    if (!d || d.appId !== app.id || d.status === "pending") throw notFound();
    return { app, d };
  };
  r.add(
    "GET",
    "/app/hook/deliveries/{delivery_id}",
    (ctx) => {
      const { d } = deliveryOf(ctx);
      return {
        ...shapes.hookDelivery(d),
        url: d.url,
        request: d.request,
        response: { headers: null, payload: null },
      };
    },
    "jwt",
  );
  r.add(
    "POST",
    "/app/hook/deliveries/{delivery_id}/attempts",
    (ctx): Reply => {
      const { app, d } = deliveryOf(ctx);
      if (!app.webhookUrl) throw invalid("The App's webhook has no URL to deliver to", "url");
      core.deliveries.redeliver(d.id);
      return { status: 202, body: {} };
    },
    "jwt",
  );
  r.add("GET", "/installation/repositories", (ctx) => {
    if (ctx.auth.kind !== "installation") throw new HttpError(403, "This endpoint requires an installation access token");
    const inst = ctx.auth.installation;
    const repos = Object.entries(store.data.repos)
      .filter(([k]) => core.installationCovers(inst, k))
      .map(([, rec]) => shapes.repo(rec));
    const page = paginate(ctx, repos, shapes.api);
    return { ...page, body: { total_count: repos.length, repositories: page.body, repository_selection: inst.selection } };
  });
  r.add("GET", "/user", (ctx) => {
    if (ctx.auth.kind !== "user") throw new HttpError(403, "Resource not accessible by integration");
    return userDetail(core, ctx.auth.login);
  });
  r.add("GET", "/users/{username}", (ctx) => {
    if (!store.data.accounts[ctx.params.username.toLowerCase()]) throw notFound();
    return userDetail(core, ctx.params.username);
  });
}

const LEVEL: Record<string, number> = { read: 1, write: 2, admin: 3 };

/**
 * The `permissions` body of an installation token request, as GitHub checks it: an object of
 * scope → "read" | "write" (| "admin"), each within what the App was granted, else 422.
 * `metadata: read` comes with every token. Undefined when no narrowing was asked for.
 */
function narrowedPermissions(granted: Record<string, string>, asked: unknown): Record<string, string> | undefined {
  if (asked === undefined || asked === null) return undefined;
  if (typeof asked !== "object" || Array.isArray(asked)) throw invalid("Invalid request.\n\npermissions is not an object", "permissions");
  const out: Record<string, string> = {};
  for (const [scope, level] of Object.entries(asked as Record<string, unknown>)) {
    if (typeof level !== "string" || !LEVEL[level])
      throw invalid(`Invalid request.\n\n${JSON.stringify(level)} is not a permission level for ${scope} (read or write)`, "permissions");
    if ((LEVEL[granted[scope]] ?? 0) < LEVEL[level])
      throw invalid(`The permissions requested are not granted to this installation: ${scope}: ${level}`, "permissions");
    out[scope] = level;
  }
  if (granted.metadata && !out.metadata) out.metadata = "read";
  return out;
}

function userDetail(core: Core, login: string): Record<string, unknown> {
  const a = core.shapes.account(login);
  return {
    ...core.shapes.user(a.login),
    name: a.name ?? null,
    company: null,
    blog: "",
    location: null,
    email: a.email ?? null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: Object.values(core.store.data.repos).filter((r) => r.owner === a.login && !r.private).length,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: a.createdAt,
    updated_at: a.createdAt,
  };
}
