// The manifest flow on the GitHub stand-in: the form registers an App with exactly the
// manifest's permissions, events and webhook and redirects with a code; the code converts
// once, within an hour, into GitHub's documented answer; a manifest GitHub would refuse is a
// 422 that registers nothing.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Octokit } from "@octokit/rest";
import { Probot } from "probot";
import { parse } from "yaml";
import { startGitHub } from "../../../local/github/index.ts";
import type { GitHubStandIn } from "../../../local/github/index.ts";
import { APP_PERMISSIONS, WEBHOOK_EVENTS } from "../../../local/github/routes/manifest.ts";
import { checkedOctokit } from "./helpers.ts";

const require = createRequire(import.meta.url);
const appYml = parse(readFileSync(new URL("../../../app.yml", import.meta.url), "utf8")) as {
  default_permissions: Record<string, string>;
  default_events: string[];
};

let gh: GitHubStandIn;
beforeAll(async () => {
  gh = await startGitHub({ logLevel: "fatal" });
});
afterAll(() => gh.close());

let n = 0;
function manifest(over: Record<string, unknown> = {}): Record<string, unknown> {
  n += 1;
  return {
    name: `ouro-manifest-${n}`,
    url: "https://example.com/ouro",
    hook_attributes: { url: "http://127.0.0.1:9/api/github/webhooks" },
    redirect_url: "http://127.0.0.1:9/callback",
    public: false,
    default_permissions: appYml.default_permissions,
    default_events: appYml.default_events,
    ...over,
  };
}

/** Posts the form as a browser does; answers the response without following redirects. */
function submit(m: unknown, opts: { path?: string; state?: string } = {}): Promise<Response> {
  const q = opts.state === undefined ? "" : `?state=${encodeURIComponent(opts.state)}`;
  return fetch(`${gh.url}${opts.path ?? "/settings/apps/new"}${q}`, {
    method: "POST",
    body: new URLSearchParams({ manifest: typeof m === "string" ? m : JSON.stringify(m) }),
    redirect: "manual",
  });
}

const anonymous = () => checkedOctokit(gh, "");
const codeOf = (res: Response): string => new URL(res.headers.get("location")!).searchParams.get("code")!;

describe("POST /settings/apps/new (the person clicking Create)", () => {
  it("registers exactly the manifest's App and redirects with a code and the state", async () => {
    const m = manifest();
    const res = await submit(m, { state: "s-42" });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get("location")!);
    expect(`${to.origin}${to.pathname}`).toBe("http://127.0.0.1:9/callback");
    expect(to.searchParams.get("state")).toBe("s-42");
    expect(to.searchParams.get("code")).toMatch(/^[0-9a-f]{40}$/);

    const { status, data } = await anonymous().rest.apps.createFromManifest({ code: to.searchParams.get("code")! });
    expect(status).toBe(201); // the checked Octokit also held the body to GitHub's schema
    expect(data).toMatchObject({ name: m.name, slug: m.name, owner: { login: "ouro-admin" } });
    expect(data.permissions).toEqual(appYml.default_permissions);
    expect([...data.events].sort()).toEqual([...appYml.default_events].sort());
    expect(data.pem).toMatch(/-----BEGIN RSA PRIVATE KEY-----/);
    expect(data.webhook_secret).toBeTruthy();
    expect(data.client_secret).toBeTruthy();

    // The key works: the App authenticates with it and GitHub reports the same grant.
    const probot = new Probot({ appId: data.id, privateKey: data.pem, baseUrl: gh.apiUrl, logLevel: "fatal" });
    const self = await (await probot.auth()).rest.apps.getAuthenticated();
    expect(self.data?.permissions).toEqual(appYml.default_permissions);
    expect(gh.findApp(data.slug!)).toMatchObject({ appId: data.id, webhookSecret: data.webhook_secret });
  });

  it("takes state from the form too, and registers under an organization's path", async () => {
    const m = manifest();
    const res = await fetch(`${gh.url}/organizations/acme-org/settings/apps/new`, {
      method: "POST",
      body: new URLSearchParams({ manifest: JSON.stringify(m), state: "from-form" }),
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get("location")!).searchParams.get("state")).toBe("from-form");
    const { data } = await anonymous().rest.apps.createFromManifest({ code: codeOf(res) });
    expect(data.owner).toMatchObject({ login: "acme-org" });
  });

  it.each([
    [{ default_permissions: { contents: "write", teleport: "read" } }, /"teleport" is not a GitHub App permission/],
    [{ default_permissions: { checks: "admin" } }, /checks can be read or write, not "admin"/],
    [{ default_permissions: { workflows: "read" } }, /workflows can be write, not "read"/],
    [{ default_events: ["issues", "telepathy"] }, /"telepathy" is not a webhook event/],
    [{ hook_attributes: { url: "ftp://example.com/hook" } }, /hook_attributes\.url must be an http\(s\) URL/],
    [{ redirect_url: undefined }, /redirect_url must be a URL/],
    [{ name: "" }, /no name/],
    [{ callback_urls: Array.from({ length: 11 }, (_, i) => `https://example.com/${i}`) }, /callback_urls can hold at most 10 URLs/],
    [{ setup_url: "not a url" }, /setup_url must be a URL/],
  ])("refuses a manifest GitHub would refuse (%o): 422, nothing registered", async (over, message) => {
    const m = manifest(over);
    const res = await submit(m, { state: "x" });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(message);
    if (m.name) expect(gh.findApp(String(m.name))).toBeNull();
  });

  it("refuses a form without a manifest, or one that is not JSON", async () => {
    const none = await fetch(`${gh.url}/settings/apps/new`, {
      method: "POST",
      body: new URLSearchParams({ state: "x" }),
      redirect: "manual",
    });
    expect(none.status).toBe(422);
    expect(await none.text()).toMatch(/no "manifest" field/);
    const bad = await submit("{not json");
    expect(bad.status).toBe(422);
    expect(await bad.text()).toMatch(/not valid JSON/);
  });
});

describe("POST /app-manifests/{code}/conversions", () => {
  it("converts a code once: a second try, or an unknown code, is 404", async () => {
    const code = codeOf(await submit(manifest()));
    await anonymous().rest.apps.createFromManifest({ code });
    await expect(anonymous().rest.apps.createFromManifest({ code })).rejects.toMatchObject({ status: 404 });
    await expect(anonymous().rest.apps.createFromManifest({ code: "0".repeat(40) })).rejects.toMatchObject({ status: 404 });
  });

  it("a code more than an hour old is 404", async () => {
    const code = codeOf(await submit(manifest()));
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 60 * 60 * 1000 + 1000);
      const o = new Octokit({ baseUrl: gh.apiUrl, log: { debug() {}, info() {}, warn() {}, error() {} } });
      await expect(o.rest.apps.createFromManifest({ code })).rejects.toMatchObject({ status: 404 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the stand-in's tables match GitHub's published descriptions", () => {
  it("permission names and levels are app-permissions' in the REST description", () => {
    const spec = JSON.parse(readFileSync(require.resolve("@octokit/openapi/generated/api.github.com.json"), "utf8")) as {
      components: { schemas: Record<string, { properties: Record<string, { enum: string[] }> }> };
    };
    const published = Object.fromEntries(
      Object.entries(spec.components.schemas["app-permissions"].properties).map(([k, v]) => [k, [...v.enum].sort()]),
    );
    const ours = Object.fromEntries(Object.entries(APP_PERMISSIONS).map(([k, v]) => [k, [...v].sort()]));
    expect(ours).toEqual(published);
  });
  it("event names are the webhook description's", () => {
    const hooks = JSON.parse(readFileSync(require.resolve("@octokit/openapi-webhooks/generated/api.github.com.json"), "utf8")) as {
      webhooks: Record<string, Record<string, { operationId: string }>>;
    };
    const published = new Set(Object.values(hooks.webhooks).map((w) => Object.values(w)[0].operationId.split("/")[0].replace(/-/g, "_")));
    expect([...WEBHOOK_EVENTS].sort()).toEqual([...published].sort());
  });
});
