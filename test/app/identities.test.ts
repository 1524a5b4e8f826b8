// Linking identities, end to end: the bot's real link client asks the real app (Probot +
// Octokit on the GitHub stand-in) for a one-time code; the GitHub user posts it as a comment
// and the app's issue_comment handler links the Discord user to that login. The merge gate
// then never counts the linked login's approval for that user's own requests, and a Discord
// request whose requester linked nothing needs an approval from someone the policy names.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpAppLink } from "../../bot/app-link/http-client.ts";
import { LINK_CODE_TTL_MS } from "../../app/lifecycle/identities.ts";
import { actor, REPO, startWorld, TOKEN } from "./harness.ts";
import type { World } from "./harness.ts";

let w: World;
let link: HttpAppLink;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DORA = actor("9001", "dora");
const UNLINKED = actor("9002", "una");

beforeAll(async () => {
  w = await startWorld({
    policy: { rateLimits: { maxOpenPrs: 10, globalPerMinute: 50, burst: { edits: 50 } }, github: { approvers: ["pat"] } },
  });
  w.gh.driver.setPermission(REPO, "max", "maintain"); // everyone else unlisted has write
  link = new HttpAppLink({ url: w.app.botLinkUrl, token: TOKEN });
});
afterAll(async () => {
  await link?.close();
  await w?.close();
});

const linked = (discordId: string) => w.app.store.identities.loginOf(discordId);
const issueOf = (url: string) => Number(/\/issues\/(\d+)$/.exec(url)?.[1]);

/** `login` posts `body` on issue `n`; returns the app's reply to that comment. */
async function post(login: string, n: number, body: string): Promise<string> {
  const c = (await w.gh.driver.user(login).comment(REPO, n, body)) as Json;
  await w.settle();
  const reply = ((await w.gh.driver.comments(REPO, n)) as Json[]).find((x) => String(x.body).includes(`<!-- ouro:reply:${c.id} -->`));
  expect(reply, `a reply to ${login}'s comment`).toBeTruthy();
  return String(reply!.body);
}

let seq = 0;
/** A low-risk plugin change (1 approval, automerge) from `who`, its checks passed, waiting for review. */
async function plugin(who: ReturnType<typeof actor>, text: string): Promise<string> {
  const r = await link.submitRequest({ id: `discord-88${++seq}`, requester: who, text });
  await w.settle();
  const c = w.app.store.changes.byId(r.changeId)!;
  expect(c).toMatchObject({ state: "checks", risk: "low" });
  await w.check(c.headSha!, "success");
  await w.settle();
  expect(change(c.id)).toMatchObject({ state: "review" });
  return c.id;
}
const change = (id: string) => w.app.store.changes.byId(id)!;
const merged = async (id: string) => ((await w.gh.driver.pull(REPO, change(id).prNumber!)) as Json).merged as boolean;
async function approve(login: string, id: string): Promise<void> {
  await w.gh.driver.user(login).approve(REPO, change(id).prNumber!);
  await w.settle();
}

describe("linked identity approval does not count", () => {
  let code: string;
  let issue: number;
  it("the link client gets a one-time code, stored only as a hash, and the issue to post it on", async () => {
    const started = await link.linkGithub(DORA, "dora");
    expect(started.login).toBe("dora");
    expect(started.code).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    expect(Date.parse(started.expiresAt) - w.clock.now).toBe(LINK_CODE_TTL_MS);
    code = started.code;
    issue = issueOf(started.postOn);
    const gh = (await w.gh.driver.issue(REPO, issue)) as Json;
    expect(gh).toMatchObject({ title: "Link Discord accounts to GitHub", state: "open", user: { login: "ouro[bot]" } });
    const stored = JSON.stringify(w.app.store.db.prepare("SELECT * FROM identity_codes").all());
    expect(stored).toContain("dora");
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(code.replace("-", ""));
    expect(linked(DORA.discordId)).toBeNull();
    // asking again names the same issue
    expect(issueOf((await link.linkGithub(UNLINKED, "una")).postOn)).toBe(issue);
  });

  it("a wrong code or the right code from another GitHub user is refused in plain words; nothing is linked", async () => {
    expect(await post("dora", issue, "/ouro link ZZZZ-ZZZZ")).toMatch(/not one Ouro issued, or it was used already.*Nothing was linked/s);
    expect(await post("mallory", issue, `/ouro link ${code}`)).toMatch(/issued for another GitHub account.*Nothing was linked/);
    expect(await post("dora", issue, "/ouro link")).toMatch(/give the code.*Nothing was linked/);
    expect(linked(DORA.discordId)).toBeNull();
    expect(w.app.store.db.prepare("SELECT COUNT(*) AS n FROM identities").get()).toEqual({ n: 0 });
  });

  it("the code posted from the named login links it, once", async () => {
    expect(await post("dora", issue, `/ouro link ${code.toLowerCase()}`)).toMatch(/✅ linked/);
    expect(linked(DORA.discordId)).toBe("dora");
    expect(await post("dora", issue, `/ouro link ${code}`)).toMatch(/used already/);
    // mallory's try is on dora's record; the unknown codes name no one
    expect(w.app.store.audit.of(`link:${w.app.store.identities.keyOf(DORA.discordId)}`).map((a) => a.event)).toEqual([
      "link.code",
      "link.refused",
      "link.linked",
    ]);
    // the Discord id is stored only as its keyed hash, in the links and in the audit log's ids
    const links = w.app.store.db.prepare("SELECT discord_id, login FROM identities").all() as { discord_id: string; login: string }[];
    expect(links).toEqual([{ discord_id: expect.stringMatching(/^[0-9a-f]{64}$/), login: "dora" }]);
    const auditIds = (w.app.store.db.prepare("SELECT change_id FROM audit").all() as { change_id: string }[]).map((r) => r.change_id);
    expect(auditIds.filter((x) => x.startsWith("link:")).every((x) => /^link:([0-9a-f]{64}|-)$/.test(x))).toBe(true);
  });

  it("the requester's linked login approving does not count, and the gate says why; another writer's does", async () => {
    const id = await plugin(DORA, "plugin that greets");
    await approve("dora", id);
    expect(await merged(id)).toBe(false);
    expect(change(id)).toMatchObject({
      state: "review",
      reason: expect.stringMatching(/0 of 1 required approvals.*not counted: dora: the requester's own, linked from Discord/),
    });
    await approve("wes", id); // a writer, not named by the policy: enough, as the requester is linked
    expect(await merged(id)).toBe(true);
  });

  it("an expired code links nothing", async () => {
    const started = await link.linkGithub(DORA, "dora-two");
    w.clock.now += LINK_CODE_TTL_MS + 1;
    expect(await post("dora-two", issueOf(started.postOn), `/ouro link ${started.code}`)).toMatch(/expired.*Nothing was linked/s);
    expect(linked(DORA.discordId)).toBe("dora");
  });

  it("linking again replaces the link; removing it removes it", async () => {
    const started = await link.linkGithub(DORA, "dora-two");
    expect(await post("dora-two", issueOf(started.postOn), `/ouro link ${started.code}`)).toMatch(/✅ linked.*instead of @dora/);
    expect(linked(DORA.discordId)).toBe("dora-two");
    expect(await link.unlinkGithub(DORA)).toEqual({ removed: "dora-two" });
    expect(await link.unlinkGithub(DORA)).toEqual({ removed: null });
    expect(linked(DORA.discordId)).toBeNull();
  });

  it("a login that is not a GitHub login is refused in plain words, by the app and before sending", async () => {
    const before = w.app.store.db.prepare("SELECT COUNT(*) AS n FROM identity_codes").get();
    const res = await w.api("POST", "/links", { user: DORA, login: "-not a login-" });
    expect(res).toEqual({ status: 400, body: { error: expect.stringMatching(/^invalid request: login: is not a GitHub login/) } });
    await expect(link.linkGithub(DORA, "ouro[bot]")).rejects.toThrow(/is not a GitHub login/);
    expect(w.app.store.db.prepare("SELECT COUNT(*) AS n FROM identity_codes").get()).toEqual(before);
  });
});

describe("a Discord request whose requester linked no GitHub login", () => {
  it("a writer's approval alone does not merge it, and the gate says why; a maintainer's does", async () => {
    const id = await plugin(UNLINKED, "plugin that hums");
    await approve("wes", id);
    expect(await merged(id)).toBe(false);
    expect(change(id)).toMatchObject({ state: "review", reason: expect.stringMatching(/has not linked a GitHub account/) });
    await approve("max", id);
    expect(await merged(id)).toBe(true);
  });

  it("so does an approver the policy names (github.approvers), or a code owner of the changed paths", async () => {
    const a = await plugin(UNLINKED, "plugin that waves");
    await approve("pat", a);
    expect(await merged(a)).toBe(true);
    const b = await plugin(UNLINKED, "plugin that counts"); // /bot/plugins/ is owned by @plugin-owner
    await approve("plugin-owner", b);
    expect(await merged(b)).toBe(true);
  });
});
