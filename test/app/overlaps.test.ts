// Requests that would make the same change meet while one is open: the same recipe (from
// anyone) or the same requester's same words join the open change — one change, one issue,
// even when fired at once — and a different request for the same plugin or setting is refused
// with a link to the change already open.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actor, REPO, startWorld } from "./harness.ts";
import type { World } from "./harness.ts";

let w: World;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.close();
});

const hello = { kind: "add-command", name: "hello", description: "Says hello", reply: "Hello!" };
const trackingIssues = async (id: string) =>
  ((await w.gh.driver.issues(REPO, "all")) as Json[]).filter((i) => !i.pull_request && String(i.body).includes(`ouro:change:${id} `));
const submit = (id: string, who: ReturnType<typeof actor>, text: string, recipe?: unknown) =>
  w.api("POST", "/changes", { id, requester: who, text, ...(recipe ? { recipe } : {}) });

describe("identical requests", () => {
  it("two fired at once make one change and one issue; the second joins the first", async () => {
    const ana = actor("51", "ana");
    const [a, b] = await Promise.all([
      submit("discord-5001", ana, "Add a /hello command", hello),
      submit("discord-5002", ana, "Add a /hello command", hello),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    const [made, joined] = a.status === 201 ? [a.body, b.body] : [b.body, a.body];
    expect(joined).toEqual({ changeId: made.changeId, trackingIssueUrl: made.trackingIssueUrl, joined: true });
    expect(made.joined).toBeUndefined();
    await w.settle();
    const changes = w.app.store.changes.recent(100).filter((c) => c.targetKey === "plugin:hello");
    expect(changes).toHaveLength(1);
    expect(await trackingIssues(String(made.changeId))).toHaveLength(1);
    expect(((await w.gh.driver.pulls(REPO, "open")) as Json[]).filter((p) => p.head.ref === `ouro/${made.changeId}`)).toHaveLength(1);
    // a retry of the request that joined finds the same change again
    const again = await submit(made.changeId === "discord-5001" ? "discord-5002" : "discord-5001", ana, "Add a /hello command", hello);
    expect(again.body).toMatchObject({ changeId: made.changeId });
  });

  it("the same recipe from someone else joins too", async () => {
    const res = await submit("discord-5003", actor("52", "ben"), "please add /hello", hello);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ joined: true });
    expect(w.app.store.changes.byRequest("discord-5003")!.targetKey).toBe("plugin:hello");
    expect(w.app.store.changes.recent(100).filter((c) => c.targetKey === "plugin:hello")).toHaveLength(1);
  });

  it("the same requester's same words, however spaced or cased, join; another requester's do not", async () => {
    const cleo = actor("53", "cleo");
    const [a, b] = await Promise.all([
      submit("discord-5004", cleo, "docs: explain the  dice command"),
      submit("discord-5005", cleo, "Docs: explain the dice command "),
    ]);
    expect(b.body.changeId ?? null).toBe(a.body.changeId);
    const other = await submit("discord-5006", actor("54", "dev"), "docs: explain the dice command");
    expect(other.status).toBe(201);
    expect(other.body.changeId).toBe("discord-5006");
    await w.settle();
  });
});

describe("an overlapping request", () => {
  it("a different request for a plugin an open change is making is refused with a link to that change", async () => {
    const open = w.app.store.changes.recent(100).find((c) => c.targetKey === "plugin:hello")!;
    const res = await submit("discord-5007", actor("55", "eve"), "Add a /hello command", { ...hello, reply: "Hi there" });
    expect(res.status).toBe(409);
    expect(String(res.body.error)).toContain(`a change to the plugin \`hello\` is already open: change \`${open.id}\``);
    expect(String(res.body.error)).toContain(open.issueUrl!);
    expect(w.app.store.changes.byRequest("discord-5007")).toBeNull();
  });

  it("once that change is no longer open, the same request makes a new change", async () => {
    const open = w.app.store.changes.recent(100).find((c) => c.targetKey === "plugin:hello")!;
    await w.gh.driver.user("carol").closePull(REPO, open.prNumber!);
    await w.settle();
    expect(w.app.store.changes.byId(open.id)!.state).toBe("failed");
    const res = await submit("discord-5008", actor("55", "eve"), "Add a /hello command", { ...hello, reply: "Hi there" });
    expect(res.status).toBe(201);
    expect(res.body.changeId).toBe("discord-5008");
    await w.settle();
  });
});
