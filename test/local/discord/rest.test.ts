// REST v10 with plain fetch: error shapes and codes, rate-limit headers, interaction callback rules.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RESTGetAPIGatewayBotResult, RESTPostAPIInteractionCallbackWithResponseResult, APIMessage } from "discord-api-types/v10";
import { startDiscord } from "../../../local/discord/index.ts";
import type { DiscordStandIn } from "../../../local/discord/index.ts";

/** Discord's "Invalid Form Body" errors: nested by field name or index down to `_errors`. */
interface ErrorTree {
  [key: string]: ErrorTree;
}

let discord: DiscordStandIn;
let api: (method: string, path: string, body?: unknown, auth?: boolean) => Promise<{ status: number; body: unknown; headers: Headers }>;

beforeAll(async () => {
  discord = await startDiscord();
  api = async (method, path, body, auth = true) => {
    const res = await fetch(`${discord.apiBase}/v10${path}`, {
      method,
      headers: {
        ...(auth ? { authorization: `Bot ${discord.botToken}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  await api("PUT", `/applications/${discord.applicationId}/commands`, [{ name: "ping", description: "Ping" }]);
});
afterAll(async () => {
  await discord.close();
});

const general = () => discord.guild.channels.general;

describe("REST v10", () => {
  it("GET /gateway/bot points at the stand-in's gateway with a session_start_limit", async () => {
    const { status, body, headers } = await api("GET", "/gateway/bot");
    expect(status).toBe(200);
    const b = body as RESTGetAPIGatewayBotResult;
    expect(b.url).toBe(discord.gatewayUrl);
    expect(b.shards).toBe(1);
    expect(b.session_start_limit).toMatchObject({ total: expect.any(Number), remaining: expect.any(Number), max_concurrency: 1 });
    for (const h of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-reset-after", "x-ratelimit-bucket"])
      expect(headers.get(h)).toBeTruthy();
  });

  it("answers unknown routes, methods and ids in Discord's error shape", async () => {
    expect(await api("GET", "/nope")).toMatchObject({ status: 404, body: { message: "404: Not Found", code: 0 } });
    expect(await api("PUT", "/users/@me")).toMatchObject({ status: 405, body: { message: "405: Method Not Allowed", code: 0 } });
    expect(await api("GET", "/channels/123")).toMatchObject({ status: 404, body: { message: "Unknown Channel", code: 10003 } });
    expect(await api("GET", `/channels/${general()}/messages/123`)).toMatchObject({ status: 404, body: { code: 10008 } });
    expect(await api("POST", `/channels/${general()}/messages`, "{not json")).toMatchObject({ status: 400, body: { code: 50109 } });
    expect(await api("GET", "/users/@me", undefined, false)).toMatchObject({
      status: 401,
      body: { message: "401: Unauthorized", code: 0 },
    });
  });

  it("validates message bodies (50006, 50035 with per-field errors) and changes nothing on error", async () => {
    const before = discord.driver.messages("general").length;
    expect(await api("POST", `/channels/${general()}/messages`, {})).toMatchObject({
      status: 400,
      body: { code: 50006, message: "Cannot send an empty message" },
    });
    const long = await api("POST", `/channels/${general()}/messages`, { content: "x".repeat(2001) });
    expect(long).toMatchObject({
      status: 400,
      body: { code: 50035, message: "Invalid Form Body", errors: { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH" }] } } },
    });
    expect(discord.driver.messages("general").length).toBe(before);
    const button = (custom_id: string) => ({ type: 2, style: 1, label: "b", custom_id });
    const dup = await api("POST", `/channels/${general()}/messages`, {
      content: "x",
      components: [{ type: 1, components: [button("a"), button("a")] }],
    });
    expect(dup).toMatchObject({ status: 400, body: { code: 50035 } });
    expect((dup.body as { errors: ErrorTree }).errors.components[0].components[1].custom_id._errors[0].message).toBe(
      "Component custom id cannot be duplicated",
    );
    const badRow = await api("POST", `/channels/${general()}/messages`, {
      content: "x",
      components: [
        {
          type: 1,
          components: [
            { type: 2, style: 5, label: "docs", custom_id: "nope" },
            button("b"),
            button("c"),
            button("d"),
            button("e"),
            button("f"),
          ],
        },
      ],
    });
    expect(badRow).toMatchObject({ status: 400, body: { code: 50035 } });
    const row = (badRow.body as { errors: ErrorTree }).errors.components[0].components;
    expect(row._errors[0].message).toBe("Must be between 1 and 5 in length.");
    expect(Object.keys(row[0]).sort()).toEqual(["custom_id", "url"]);
    const tooBig = await api("POST", `/channels/${general()}/messages`, {
      embeds: [{ description: "x".repeat(4000) }, { description: "y".repeat(2500) }],
    });
    expect(tooBig).toMatchObject({
      status: 400,
      body: { code: 50035, errors: { embeds: { _errors: [{ message: "Embed size exceeds maximum size of 6000" }] } } },
    });
    expect(discord.driver.messages("general").length).toBe(before);
    const category = discord.driver.createChannel({ name: "archive", category: true });
    expect(await api("POST", `/channels/${category.id}/messages`, { content: "x" })).toMatchObject({ status: 400, body: { code: 50008 } });
  });

  it("creates, edits, lists and deletes channel messages; refuses to edit a user's message", async () => {
    const created = (await api("POST", `/channels/${general()}/messages`, { content: "one" })).body as APIMessage;
    expect(created.author.id).toBe(discord.botUserId);
    const edited = (await api("PATCH", `/channels/${general()}/messages/${created.id}`, { content: "two" })).body as APIMessage;
    expect(edited).toMatchObject({ id: created.id, content: "two" });
    expect(edited.edited_timestamp).not.toBeNull();
    const list = (await api("GET", `/channels/${general()}/messages?limit=1`)).body as APIMessage[];
    expect(list.map((m) => m.id)).toEqual([created.id]);
    const said = discord.driver.say({ user: "alice", channel: "general", content: "mine" });
    expect(await api("PATCH", `/channels/${general()}/messages/${said.id}`, { content: "hacked" })).toMatchObject({
      status: 403,
      body: { code: 50005 },
    });
    expect((await api("DELETE", `/channels/${general()}/messages/${created.id}`)).status).toBe(204);
    expect(discord.driver.message(created.id)).toBeUndefined();
  });

  it("threads: from a message once (160004 the second time), standalone private by default", async () => {
    const msg = (await api("POST", `/channels/${general()}/messages`, { content: "start" })).body as APIMessage;
    const t = await api("POST", `/channels/${general()}/messages/${msg.id}/threads`, { name: "talk" });
    expect(t).toMatchObject({ status: 201, body: { id: msg.id, type: 11, parent_id: general(), name: "talk" } });
    expect(await api("POST", `/channels/${general()}/messages/${msg.id}/threads`, { name: "again" })).toMatchObject({
      status: 400,
      body: { code: 160004 },
    });
    const s = await api("POST", `/channels/${general()}/threads`, { name: "private talk" });
    expect(s).toMatchObject({ status: 201, body: { type: 12, name: "private talk" } });
    expect(await api("POST", `/channels/${(s.body as { id: string }).id}/threads`, { name: "nested" })).toMatchObject({
      status: 400,
      body: { code: 50024 },
    });
  });

  it("interaction callbacks: with_response, only once (40060), follow-ups need an acknowledgement (10015)", async () => {
    const h = discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" });
    const hook = `/webhooks/${discord.applicationId}/${h.token}`;
    expect(await api("POST", hook, { content: "too early" }, false)).toMatchObject({ status: 404, body: { code: 10015 } });
    expect(await api("PATCH", `${hook}/messages/@original`, { content: "x" }, false)).toMatchObject({ status: 404, body: { code: 10008 } });
    const cb = await api(
      "POST",
      `/interactions/${h.id}/${h.token}/callback?with_response=true`,
      { type: 4, data: { content: "hi" } },
      false,
    );
    expect(cb.status).toBe(200);
    const r = cb.body as RESTPostAPIInteractionCallbackWithResponseResult;
    expect(r.interaction).toMatchObject({ id: h.id, type: 2, response_message_loading: false, response_message_ephemeral: false });
    expect(r.resource?.message?.content).toBe("hi");
    expect(await api("POST", `/interactions/${h.id}/${h.token}/callback`, { type: 4, data: { content: "again" } }, false)).toMatchObject({
      status: 400,
      body: { code: 40060 },
    });
    expect(await api("POST", `/interactions/${h.id}/wrong-token/callback`, { type: 4, data: { content: "x" } }, false)).toMatchObject({
      status: 404,
      body: { code: 10062 },
    });
    const f = await api("POST", hook, { content: "later" }, false);
    expect(f).toMatchObject({ status: 200, body: { content: "later", webhook_id: discord.applicationId } });
    expect(await h.followUps(1)).toHaveLength(1);
    expect(await api("GET", `${hook}/messages/@original`, undefined, false)).toMatchObject({ status: 200, body: { content: "hi" } });
  });

  it("rejects a callback type that does not fit the interaction (update on a slash command)", async () => {
    const h = discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" });
    expect(await api("POST", `/interactions/${h.id}/${h.token}/callback`, { type: 7, data: { content: "x" } }, false)).toMatchObject({
      status: 400,
      body: { code: 50035 },
    });
    expect(h.callbackType).toBeUndefined();
  });

  it("records when the first callback came: accepted in time, or refused past the 3 s window", async () => {
    const inTime = discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" });
    expect(inTime.firstCallbackMs).toBeUndefined();
    await api("POST", `/interactions/${inTime.id}/${inTime.token}/callback`, { type: 5 }, false);
    expect(inTime.firstCallbackMs).toBeGreaterThanOrEqual(0);
    expect(inTime.firstCallbackMs).toBeLessThan(3000);
    expect(inTime.lateCallback).toBe(false);

    const late = discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" });
    discord.internals.store.interactions.get(late.id)!.created_at -= 4000; // dispatched 4 s ago
    expect(await api("POST", `/interactions/${late.id}/${late.token}/callback`, { type: 4, data: { content: "x" } }, false)).toMatchObject({
      status: 404,
      body: { code: 10062 },
    });
    expect(late.lateCallback).toBe(true);
    expect(late.callbackType).toBeUndefined();
    expect(late.firstCallbackMs).toBeGreaterThanOrEqual(4000);
    expect(discord.driver.interaction(late.id)).toMatchObject({ late_callback_at: expect.any(Number) });
  });

  it("command registration validates and returns 201 for a new command, 200 for an update", async () => {
    const base = `/applications/${discord.applicationId}/commands`;
    expect((await api("POST", base, { name: "status", description: "Status" })).status).toBe(201);
    expect((await api("POST", base, { name: "status", description: "Status!" })).status).toBe(200);
    expect(await api("POST", base, { name: "status" })).toMatchObject({
      status: 400,
      body: { code: 50035, errors: { description: { _errors: [expect.anything()] } } },
    });
    expect(await api("GET", `/applications/1/commands`)).toMatchObject({ status: 404, body: { code: 10002 } });
    expect(await api("GET", `${base}/123`)).toMatchObject({ status: 404, body: { code: 10063 } });
    const status = (await api("GET", base)).body as { id: string; name: string }[];
    const id = status.find((c) => c.name === "status")!.id;
    expect(await api("PATCH", `${base}/${id}`, { name: "Not Valid" })).toMatchObject({
      status: 400,
      body: { code: 50035, errors: { name: expect.anything() } },
    });
    expect(await api("PATCH", `${base}/${id}`, { description: "Status, patched" })).toMatchObject({
      status: 200,
      body: { id, name: "status", description: "Status, patched" },
    });
    expect(
      await api("PUT", base, [
        { name: "a", description: "a" },
        { name: "a", description: "b" },
      ]),
    ).toMatchObject({ status: 400, body: { code: 50035, errors: { 1: { name: expect.anything() } } } });
    expect(((await api("GET", base)).body as unknown[]).length).toBe(2); // refused PUT changed nothing
  });
});
