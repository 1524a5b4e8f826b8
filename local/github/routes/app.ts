// GitHub App endpoints (App JWT) and the account endpoints.
import type { Core } from "../domain.ts";
import { HttpError, notFound, paginate } from "../router.ts";
import type { Ctx, Router } from "../router.ts";

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
      const { token, expiresAt } = core.installationToken(inst);
      return { status: 201, body: { token, expires_at: expiresAt, permissions: app.permissions, repository_selection: inst.selection } };
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
