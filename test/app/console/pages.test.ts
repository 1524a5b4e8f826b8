// The console's pages over HTTP against the real app: Changes, a change, Live, Policy, what
// a person who is not signed in gets, escaping, unknown ids, and the actions' refusals.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../harness.ts";
import { bearer, csrfOf, fullChangePage, get, post, request, session, startConsoleWorld } from "./world.ts";

let w: World;
let id: string;
const XSS = 'docs <script>alert("x")</script> please';

beforeAll(async () => {
  w = await startConsoleWorld();
  id = await request(w, XSS);
});
afterAll(async () => {
  await w?.close();
});

describe("signing in", () => {
  it("a page without sign-in redirects to the sign-in page; the event stream answers 401", async () => {
    const page = await get(w, "/console/live", {});
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/console/auth/sign-in?next=%2Fconsole%2Flive");
    expect((await get(w, "/console/events", {})).status).toBe(401);
    expect((await get(w, "/console/", bearer("wrong-token-wrong-token-wrong-token-1"))).status).toBe(303);
  });

  it("the stylesheet and script are served by the app itself", async () => {
    const css = await get(w, "/console/assets/console.css", {});
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");
    expect((await get(w, "/console/assets/console.js", {})).text).toContain("EventSource");
  });
});

describe("Changes", () => {
  it("lists every change with state, requester, risk, checks and age, each linking to its page", async () => {
    const page = await get(w, "/console/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.text).toContain(`href="/console/changes/${id}"`);
    expect(page.text).toContain("dana &lt;b&gt;");
    expect(page.text).toMatch(/<td data-label="State"><span class="badge [a-z]+">(pr|checks|review)<\/span>/);
    expect(page.text).toContain('<td data-label="Risk">safe</td>');
  });

  it("shows a request's text as text: a <script> in it never becomes markup", async () => {
    const page = await get(w, "/console/");
    expect(page.text).not.toContain("<script>alert");
    expect(page.text).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("filters by state, and says so in plain words when the state does not exist", async () => {
    const state = w.app.store.changes.byId(id)!.state;
    expect((await get(w, `/console/?state=${state}`)).text).toContain(`/console/changes/${id}`);
    const none = await get(w, "/console/?state=deployed");
    expect(none.text).not.toContain(`/console/changes/${id}`);
    expect(none.text).toContain("No changes in state deployed yet.");
    const bad = await get(w, "/console/?state=%3Cnope%3E");
    expect(bad.status).toBe(200);
    expect(bad.text).toContain("There is no state called “&lt;nope&gt;”; showing every change.");
  });
});

describe("a change", () => {
  it("shows the request, the agent's summary, the verdict, the diff, the merge gate and the audit trail", async () => {
    const c = w.app.store.changes.byId(id)!;
    const page = await fullChangePage(w, id);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h2 id="request-heading">The request</h2>');
    expect(page.text).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(page.text).not.toContain("<script>alert");
    expect(page.text).toContain("## What was asked"); // the PR's body, written by the (fixed) writer
    expect(page.text).toContain(`href="${c.prUrl}"`);
    expect(page.text).toContain(`href="${c.issueUrl}"`);
    expect(page.text).toMatch(/<dt>Decision<\/dt><dd><span class="badge good">pass<\/span>/);
    const file = `docs/${id.replace(/[^a-z0-9]/g, "").slice(-12)}.md`;
    expect(page.text).toContain(`${file}<span class="muted">(added, +3 −0)</span>`);
    expect(page.text).toContain('<tr class="add">'); // added lines, marked with + and the word "added"
    expect(page.text).toContain('<span class="sr-only">added</span>');
    expect(page.text).toContain("Not merging yet");
    expect(page.text).toMatch(/<span class="event">request<\/span>/);
    expect(page.text).toMatch(/<span class="event">pr\.opened<\/span>|<span class="event">pr<\/span>/);
  });

  it("an unknown change id is a 404 page in plain words", async () => {
    const page = await get(w, "/console/changes/no-such-change");
    expect(page.status).toBe(404);
    expect(page.text).toContain("There is no change called “no-such-change”.");
  });

  it("a change whose personal data was erased shows “erased”, not an error", async () => {
    const other = await request(w, "docs: to be forgotten");
    await w.check(w.app.store.changes.byId(other)!.headSha!, "success");
    await w.settle();
    expect(w.app.store.changes.byId(other)!.state).toBe("merged");
    w.app.store.changes.update(other, { state: "failed" }); // finished: /forget may erase it
    expect(w.app.store.forget("700").changes).toBeGreaterThan(0);
    const page = await get(w, `/console/changes/${other}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`Change ${other} (erased)`);
    // the store's copy is gone (GitHub keeps its own issue and PR, which the page still links)
    expect(page.text).toContain("<p>erased (the requester’s personal data was erased");
    expect(page.text).not.toContain('<pre class="request">docs: to be forgotten');
    const list = (await get(w, "/console/")).text;
    expect(list, list.slice(list.indexOf(other) - 200, list.indexOf(other) + 200)).toContain(`href="/console/changes/${other}">erased</a>`);
  });
});

describe("Live", () => {
  it("shows health, the switches and quotas, and enabled buttons for a viewer who may act", async () => {
    const page = await get(w, "/console/live");
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h2 id="health-heading">Health</h2>');
    expect(page.text).toMatch(/Open pull requests<\/dt><dd>\d+ of 20/);
    expect(page.text).toContain(">Stop Ouro</button>");
    expect(page.text).not.toContain("disabled");
  });

  it("stop and resume from a signed-in session: the stop is in force and audited with the login", async () => {
    const s = await session(w);
    const live = await get(w, "/console/live", s);
    const done = await post(w, "/console/stop", { csrf: csrfOf(live.text) }, s);
    expect(done.status).toBe(303);
    expect(w.app.store.values.stop()).toMatchObject({ stopped: true, by: "token (console, token)" });
    const audit = w.app.store.audit.of("-").filter((a) => a.event === "emergency-stop");
    expect(audit.at(-1)?.detail).toMatchObject({ by: "token (console, token)" });
    const after = await get(w, "/console/live", s);
    expect(after.text).toContain(">Resume Ouro</button>");
    await post(w, "/console/resume", { csrf: csrfOf(after.text) }, s);
    expect(w.app.store.values.stop().stopped).toBe(false);
  });

  it("a POST without a valid CSRF token is refused with 403 and changes nothing", async () => {
    const s = await session(w);
    for (const form of [{}, { csrf: "forged" }] as Record<string, string>[]) {
      const r = await post(w, "/console/stop", form, s);
      expect(r.status).toBe(403);
      expect(r.text).toContain("Nothing was done");
    }
    expect(w.app.store.values.stop().stopped).toBe(false);
    const unsigned = await post(w, "/console/stop", {}, {});
    expect(unsigned.status).toBe(401);
    expect(w.app.store.values.stop().stopped).toBe(false);
  });

  it("rolling back a change that is not merged is refused in plain words and changes nothing", async () => {
    const s = await session(w);
    const live = await get(w, "/console/live", s);
    const before = w.app.store.changes.byId(id)!;
    const r = await post(w, `/console/changes/${id}/rollback`, { csrf: csrfOf(live.text) }, s);
    expect(r.status).toBe(409);
    expect(r.text).toContain(`${id} was not rolled back`);
    expect(w.app.store.changes.byId(id)).toEqual(before);
    expect(w.app.store.changes.byId(`revert-${before.prNumber}`)).toBeNull();
    const unknown = await post(w, "/console/changes/nope/rollback", { csrf: csrfOf(live.text) }, s);
    expect(unknown.status).toBe(404);
  });
});

describe("Policy", () => {
  it("shows the effective policy with defaults marked, and no load errors", async () => {
    const page = await get(w, "/console/policy");
    expect(page.status).toBe(200);
    expect(page.text).toContain("No load errors.");
    expect(page.text).toMatch(
      /<code>rateLimits\.maxOpenPrs<\/code><\/th><td><code>20<\/code><\/td><td><span class="badge warn">set<\/span><span class="muted">default 3<\/span>/,
    );
    expect(page.text).toMatch(
      /<code>circuitBreaker\.failureThreshold<\/code><\/th><td><code>5<\/code><\/td><td><span class="badge plain">default<\/span>/,
    );
  });
});
