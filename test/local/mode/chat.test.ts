// The chat pane over plain HTTP, against the Discord stand-in and a real discord.js bot: the page
// shows who you are, channels, threads, messages with embeds and buttons, and a command form
// built from the registered commands; Run and a click go through the driver (POST → redirect),
// the answer (reply, thinking, edits, follow-ups, an updated message, a thread's progress) shows
// on the page and in its live parts; ephemeral answers only to the one who ran them; bad input
// (unknown person, missing option, unknown command, a cross-site POST) is refused in plain words
// and the bot receives nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatPane } from "../../../local/mode/chat/index.ts";
import { startPage } from "../../../local/mode/page.ts";
import { Gate, startChatWorld, type ChatWorld } from "./chat-world.ts";

let w: ChatWorld;
let general: string;

beforeAll(async () => {
  w = await startChatWorld();
  general = w.discord.guild.channels.general;
}, 60_000);
afterAll(async () => {
  await w?.close();
});

async function get(query: string, path = "/"): Promise<{ status: number; body: string }> {
  const res = await fetch(`${w.pane}${path}${query}`);
  return { status: res.status, body: await res.text() };
}

async function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${w.pane}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Runs a command from the form, as a browser would post it; returns the interaction id from the redirect. */
async function run(as: string, command: string, options: Record<string, string> = {}, channel = general): Promise<string> {
  const fields: Record<string, string> = { as, channel, command };
  for (const [k, v] of Object.entries(options)) fields[`opt.${k}`] = v;
  const res = await post("/run", fields);
  expect(res.status, await res.clone().text()).toBe(303);
  const location = res.headers.get("location")!;
  expect(location).toMatch(/^\/chat\/\?.*#reply$/);
  const q = new URL(location, w.pane).searchParams;
  expect(q.get("as")).toBe(as);
  expect(q.get("channel")).toBe(channel);
  return q.get("interaction")!;
}

/** The stand-in's record of the interaction once `check` holds (re-checked on every change it sees). */
function interactionWhen(
  id: string,
  check: (i: NonNullable<ReturnType<ChatWorld["discord"]["driver"]["interaction"]>>) => boolean,
  what: string,
) {
  return w.discord.driver.waitFor(() => {
    const i = w.discord.driver.interaction(id);
    return i && check(i) ? i : undefined;
  }, what);
}

/** A part of the page; a page without it fails the test (so "does not contain" cannot pass on a missing part). */
function part(body: string, re: RegExp, what: string): string {
  const m = re.exec(body);
  if (!m) throw new Error(`the page has no ${what}: ${body.slice(0, 300)}`);
  return m[1];
}
const replyOf = (body: string) => part(body, /<section id="reply"[^>]*>([\s\S]*?)<\/section>/, "#reply section");
const messagesOf = (body: string) => part(body, /<ol id="messages"[^>]*>([\s\S]*?)<\/ol>\s*<section/, "#messages list");
const messageLi = (body: string, id: string) =>
  part(body, new RegExp(`<li class="message" data-id="${id}">([\\s\\S]*?)</li>`), `message ${id}`);
const alerts = (body: string) => [...body.matchAll(/<p role="alert"[^>]*>([\s\S]*?)<\/p>/g)].map((m) => m[1]);

type LivePart = "nav" | "messages" | "reply" | "command";
async function live(query: string): Promise<Record<LivePart, { html: string; hash: string }>> {
  const res = await fetch(`${w.pane}/live${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<LivePart, { html: string; hash: string }>;
}

describe("the page", () => {
  it("shows who you are, the channels, and the registered commands (guild and global) to choose from", async () => {
    const { status, body } = await get("?as=max&channel=general");
    expect(status).toBe(200);
    expect(body).toMatch(/<label for="as">You are<\/label> <select id="as" name="as">/);
    expect(body).toContain('<option value="max" selected>max (member)</option>');
    expect(body).toContain('<option value="maya">maya (maintainer)</option>');
    expect(body).toMatch(/<button type="submit">Switch<\/button>/);
    expect(body).toMatch(/<nav aria-label="Channels"/);
    expect(body).toContain(`<a href="./?as=max&amp;channel=${general}" aria-current="page">#general</a>`);
    expect(body).toContain(`channel=${w.discord.guild.channels.requests}`);
    expect(body).toMatch(/<form id="command" method="post" action="run">/);
    expect(body).toContain('<label for="command-select">Command</label>');
    const values = [...body.matchAll(/<option value="([^"]*)"[^>]*>\//g)].map((m) => m[1]);
    expect(values).toEqual(["echo", "slow", "vote", "pick", "secret", "request", "config plugin enable", "ping"]);
    expect(body).toMatch(/>\s*Choose\s*<\/button>/);
    expect(body).toContain('<section id="reply" aria-live="polite"');
    expect(alerts(body)).toEqual([]);
  });

  it("takes a channel by name and redirects the bare pane to its root", async () => {
    const { body } = await get("?as=max&channel=requests");
    expect(body).toContain('<h2 id="channel-title">#requests</h2>');
    const res = await fetch(w.pane, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/chat/");
  });

  it("after Choose, asks for each option with a label: required marked, choices and people as selects, booleans as a checkbox", async () => {
    const { body } = await get("?as=max&channel=general&command=echo&opt.text=kept");
    expect(body).toContain('<option value="echo" selected>/echo — Say it back</option>');
    expect(body).toMatch(/<label for="opt-text">text <span class="required">\(required\)<\/span><\/label>/);
    expect(body).toMatch(
      /<input type="text" id="opt-text" name="opt.text" aria-describedby="opt-text-hint" required aria-required="true" value="kept"/,
    );
    expect(body).toMatch(
      /<select id="opt-times" name="opt.times"[^>]*><option value="">\(none\)<\/option><option value="1">once<\/option><option value="2">twice<\/option><\/select>/,
    );
    expect(body).toMatch(/<input type="checkbox" id="opt-loud" name="opt.loud"[^>]* value="true"/);
    expect(body).toMatch(/<select id="opt-who" name="opt.who"[^>]*>.*<option value="nia">nia<\/option>/);
    expect(body).toMatch(new RegExp(`<select id="opt-where" name="opt.where"[^>]*>.*<option value="${general}">#general</option>`));
    expect(body).toMatch(/<button type="submit" class="run">Run<\/button>/);
  });
});

describe("a command registered while the page is open", () => {
  it("changes the live command form's version, and the form it sends lists the command", async () => {
    const query = "?as=max&channel=general&command=echo";
    const page = await get(query);
    const before = await live(query);
    // the page starts with the version the poll sends, so nothing is redrawn until a command changes
    expect(page.body).toContain(`<div id="command-area" data-hash="${before.command.hash}">`);
    expect(before.command.html).toContain('<option value="echo" selected>/echo — Say it back</option>');
    expect(before.command.html).not.toContain("/hello");
    expect((await live(query)).command.hash).toBe(before.command.hash);
    // registered as the bot does it: Discord's REST API, through discord.js
    const hello = await w.client.application!.commands.create({ name: "hello", description: "Says hello" }, w.discord.guild.id);
    try {
      const after = await live(query);
      expect(after.command.hash).not.toBe(before.command.hash);
      expect(after.command.html).toContain('<option value="hello">/hello — Says hello</option>');
      // still the chosen command with its inputs (the page puts back what was typed)
      expect(after.command.html).toContain('<option value="echo" selected>/echo — Say it back</option>');
      expect(after.command.html).toMatch(/<input type="text" id="opt-text" name="opt.text"/);
      expect(after.nav.hash).toBe(before.nav.hash);
    } finally {
      await w.client.application!.commands.delete(hello.id, w.discord.guild.id);
    }
    const removed = await live(query);
    expect(removed.command.html).not.toContain("/hello");
    expect(removed.command.hash).toBe(before.command.hash); // the same commands as before: the same version
  });
});

describe("running commands", () => {
  it("Run sends the options typed by the definition; the reply shows in #reply and the channel", async () => {
    const id = await run("max", "echo", { text: "hi", times: "2", loud: "true", who: "nia", where: general });
    await interactionWhen(id, (i) => i.callback_type !== undefined, "the bot's reply to /echo");
    const { body } = await get(`?as=max&channel=${general}&interaction=${id}`);
    expect(replyOf(body)).toContain("Your /echo");
    expect(replyOf(body)).toContain("echo HIHI for nia in general");
    expect(messagesOf(body)).toContain("echo HIHI for nia in general");
    expect(messagesOf(body)).toContain("max used /echo");
  });

  it('a subcommand in a group runs as the driver\'s "group sub"', async () => {
    const id = await run("maya", "config plugin enable", { name: "dice" });
    await interactionWhen(id, (i) => i.callback_type !== undefined, "the bot's reply to /config");
    const { body } = await get(`?as=maya&channel=${general}&interaction=${id}`);
    expect(replyOf(body)).toContain("plugin enable: dice");
  });

  it("a deferred answer shows Ouro thinking, then the edit and the follow-up arrive in the live parts", async () => {
    w.gates.slow = new Gate();
    const id = await run("max", "slow");
    await interactionWhen(id, (i) => i.callback_type === 5, "the bot to defer /slow");
    const q = `?as=max&channel=${general}&interaction=${id}`;
    const before = await live(q);
    expect(before.reply.html).toContain('data-state="thinking"');
    expect(before.reply.html).toContain("Ouro is thinking…");
    w.gates.slow.open();
    await interactionWhen(id, (i) => i.followup_ids.length === 1, "the bot's follow-up to /slow");
    const after = await live(q);
    expect(after.reply.hash).not.toBe(before.reply.hash);
    expect(after.reply.html).toContain("slow done");
    expect(after.reply.html).toContain("slow follow-up");
    expect(after.reply.html).toContain("Ouro answered, with 1 follow-up.");
    expect(after.messages.html).toContain("slow follow-up");
  });

  it("an embed and its buttons show; pressing one posts a click and the updated message shows", async () => {
    const id = await run("max", "vote");
    const rec = await interactionWhen(id, (i) => i.original_message_id !== undefined, "the vote message");
    const msg = rec.original_message_id!;
    const { body } = await get(`?as=nia&channel=${general}`);
    const li = messageLi(body, msg);
    expect(li).toContain("Should we?");
    expect(li).toContain("Vote &lt;b&gt;now&lt;/b&gt;");
    expect(li).toMatch(/<dt>Yes<\/dt><dd>0<\/dd>/);
    expect(li).toMatch(/<button class="style-3" name="custom_id" value="vote:yes"\s*>\s*Yes\s*<\/button>/);
    expect(li).toContain('<a class="button" href="https://example.com/pr/1"');
    const res = await post("/click", { as: "nia", channel: general, message: msg, custom_id: "vote:yes" });
    expect(res.status).toBe(303);
    const click = new URL(res.headers.get("location")!, w.pane).searchParams.get("interaction")!;
    await interactionWhen(click, (i) => i.callback_type === 7, "the bot to update the vote message");
    const after = await get(`?as=nia&channel=${general}&interaction=${click}`);
    expect(messageLi(after.body, msg)).toContain("voted yes by nia");
    expect(messageLi(after.body, msg)).not.toContain("<button");
    expect(replyOf(after.body)).toContain("Ouro updated the message.");
  });

  it("a string select posts the values picked; a button's modal is filled in on the page and submitted", async () => {
    const id = await run("maya", "pick");
    const msg = (await interactionWhen(id, (i) => i.original_message_id !== undefined, "the pick message")).original_message_id!;
    const { body } = await get(`?as=maya&channel=${general}`);
    expect(messageLi(body, msg)).toMatch(
      new RegExp(
        `<label for="select-${msg}-colour">Colour</label> <select id="select-${msg}-colour" name="values"><option value="red">Red</option><option value="blue">Blue</option></select> <button name="select" value="colour">Pick</button>`,
      ),
    );
    const formButton = await post("/click", { as: "maya", channel: general, message: msg, custom_id: "form" });
    const modalId = new URL(formButton.headers.get("location")!, w.pane).searchParams.get("interaction")!;
    await interactionWhen(modalId, (i) => i.callback_type === 9, "the bot to show its modal");
    const shown = await get(`?as=maya&channel=${general}&interaction=${modalId}`);
    const reply = replyOf(shown.body);
    expect(reply).toContain("Ouro asks you to fill in a form.");
    expect(reply).toContain("<legend>An idea</legend>");
    expect(reply).toMatch(
      /<label for="field-title">Title<\/label> <input type="text" id="field-title" name="field.title" required value="">/,
    );
    expect(reply).toMatch(/<label for="field-body">Details<\/label> <textarea id="field-body" name="field.body"><\/textarea>/);
    // only the one it was shown to gets the form
    expect(replyOf((await get(`?as=max&channel=${general}&interaction=${modalId}`)).body)).not.toContain("<form");
    const sent = await post("/modal", { as: "maya", channel: general, interaction: modalId, "field.title": "dice", "field.body": "" });
    expect(sent.status).toBe(303);
    const submitted = new URL(sent.headers.get("location")!, w.pane).searchParams.get("interaction")!;
    await interactionWhen(submitted, (i) => i.callback_type === 4, "the bot's answer to the form");
    expect(replyOf((await get(`?as=maya&channel=${general}&interaction=${submitted}`)).body)).toContain("idea “dice”: no details");

    const picked = await post("/click", { as: "max", channel: general, message: msg, select: "colour", values: "blue" });
    expect(picked.status).toBe(303);
    const pickId = new URL(picked.headers.get("location")!, w.pane).searchParams.get("interaction")!;
    await interactionWhen(pickId, (i) => i.callback_type === 7, "the bot to update the pick message");
    expect(messageLi((await get(`?as=max&channel=${general}`)).body, msg)).toContain("picked blue by max");
  });

  it("an ephemeral reply shows only to the one who ran it, and never in the channel", async () => {
    const id = await run("maya", "secret");
    await interactionWhen(id, (i) => i.callback_type === 4, "the ephemeral reply");
    const mine = await get(`?as=maya&channel=${general}&interaction=${id}`);
    expect(replyOf(mine.body)).toContain("only for you");
    expect(replyOf(mine.body)).toContain("only you can see this");
    expect(messagesOf(mine.body)).not.toContain("only for you");
    const theirs = await get(`?as=max&channel=${general}&interaction=${id}`);
    expect(replyOf(theirs.body)).toContain("maya’s /secret");
    expect(theirs.body).not.toContain("only for you");
  });

  it("the request's thread appears in the channel list, and its progress edit reaches the live messages", async () => {
    w.gates.request = new Gate();
    const id = await run("max", "request", {}, w.discord.guild.channels.requests);
    const thread = await w.discord.driver.waitForThread({ parent: "requests", name: "request-1" });
    const progress = await w.discord.driver.waitForMessage(thread.id, (m) => m.content === "progress: working", { includeExisting: true });
    const nav = await live(`?as=max&channel=${w.discord.guild.channels.requests}&interaction=${id}`);
    expect(nav.nav.html).toContain(`<a href="./?as=max&amp;channel=${thread.id}">🧵 request-1</a>`);
    const q = `?as=max&channel=${thread.id}`;
    const before = await live(q);
    expect(before.messages.html).toContain("progress: working");
    w.gates.request.open();
    await w.discord.driver.waitForMessageUpdate(progress.id, (m) => m.content === "progress: done");
    const after = await live(q);
    expect(after.messages.hash).not.toBe(before.messages.hash);
    expect(after.messages.html).toContain("progress: done");
    expect(after.messages.html).toContain("(edited)");
    const { body } = await get(`?as=max&channel=${w.discord.guild.channels.requests}`);
    expect(body).toContain(`Thread: <a href="./?as=max&amp;channel=${thread.id}">request-1</a>`);
  });

  it("what people write is shown as text, never as markup", async () => {
    w.discord.driver.say({
      user: "nia",
      channel: "general",
      content: '<script>alert("x")</script> & <@' + w.discord.guild.users.max + ">",
    });
    const { body } = await get("?as=nia&channel=general");
    expect(body).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ");
    expect(body).toContain('<span class="mention">@max</span>');
    expect(body).not.toContain('<script>alert("x")');
  });

  it("Discord's inline markdown: code, bold, masked and bare https links, channel mentions; other schemes stay text", async () => {
    const requests = w.discord.guild.channels.requests;
    w.discord.driver.say({
      user: "nia",
      channel: "general",
      content: `see \`a<b>\` **now** [the PR](https://gh.example/pull/3), https://gh.example/issues/4. [x](javascript:alert(1)) in <#${requests}>`,
    });
    const { body } = await get("?as=nia&channel=general");
    expect(body).toContain(
      `see <code>a&lt;b&gt;</code> <strong>now</strong> <a href="https://gh.example/pull/3" rel="noopener noreferrer">the PR</a>, <a href="https://gh.example/issues/4" rel="noopener noreferrer">https://gh.example/issues/4</a>. [x](javascript:alert(1)) in <a href="./?as=nia&amp;channel=${requests}">#requests</a>`,
    );
  });
});

describe("bad input is refused in plain words, and the bot receives nothing", () => {
  /** Runs /ping through the driver and waits for its reply: the gateway delivers in order, so whatever the bot got before it has arrived. */
  async function receivedSince(mark: number): Promise<string[]> {
    await w.discord.driver.runCommand({ user: "max", channel: "general", name: "ping" }).reply();
    return w.received.slice(mark);
  }

  it("an unknown person, a missing required option, an unknown command, a cross-site POST", async () => {
    const mark = w.received.length;
    const created = w.discord.driver.interactionCount();

    const nobody = await post("/run", { as: "nobody", channel: general, command: "ping" });
    expect(nobody.status).toBe(400);
    expect(alerts(await nobody.text())).toEqual(["There is no one called “nobody” in Ouro Local. Pick someone under “You are”."]);

    const missing = await post("/run", { as: "max", channel: general, command: "echo", "opt.times": "2" });
    expect(missing.status).toBe(400);
    const missingBody = await missing.text();
    expect(alerts(missingBody)).toEqual(["/echo needs “text” (What to say). Fill it in and run it again."]);
    expect(missingBody).toContain('<option value="echo" selected>'); // the form keeps what was chosen
    expect(missingBody).toMatch(/<option value="2" selected>twice<\/option>/);

    const unknown = await post("/run", { as: "max", channel: general, command: "nope" });
    expect(unknown.status).toBe(400);
    expect(alerts(await unknown.text())[0]).toMatch(
      /^There is no command “\/nope” registered in Ouro Local or globally\. Pick one from the list \(\/echo, /,
    );

    const badNumber = await post("/run", { as: "max", channel: general, command: "echo", "opt.text": "x", "opt.times": "7" });
    expect(alerts(await badNumber.text())).toEqual(["“times” of /echo must be one of: once, twice."]);

    const crossSite = await post("/run", { as: "max", channel: general, command: "ping" }, { origin: "http://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toBe("Refused: this action was sent from another site, not from the chat page itself. Nothing was run.");
    const fetchSite = await post(
      "/click",
      { as: "max", channel: general, message: "1", custom_id: "vote:yes" },
      { "sec-fetch-site": "cross-site" },
    );
    expect(fetchSite.status).toBe(403);

    const badClick = await post("/click", { as: "max", channel: general, message: "123", custom_id: "vote:yes" });
    expect(badClick.status).toBe(400);
    expect(alerts(await badClick.text())).toEqual(["unknown message 123"]);

    const getRun = await fetch(`${w.pane}/run?as=max&command=ping`);
    expect(getRun.status).toBe(405);

    expect(w.discord.driver.interactionCount()).toBe(created);
    expect(await receivedSince(mark)).toEqual(["/ping"]);
  });

  it("an unknown person or channel in the address is said on the page", async () => {
    const { status, body } = await get("?as=ghost&channel=nowhere");
    expect(status).toBe(404);
    expect(alerts(body)).toEqual([
      "There is no one called “ghost” in Ouro Local. Pick someone under “You are”.",
      "There is no channel “nowhere” in Ouro Local; showing #general instead.",
    ]);
    expect(body).not.toContain('<form id="command"');
  });

  it("without a person chosen, the page asks for one and offers no command form", async () => {
    const { status, body } = await get("");
    expect(status).toBe(200);
    expect(body).toContain('<option value="">Pick someone</option>');
    expect(body).toContain("Pick who you are (above) to run commands and press buttons.");
    expect(body).not.toContain('<form id="command"');
    const res = await post("/run", { channel: general, command: "ping" });
    expect(res.status).toBe(400);
    expect(alerts(await res.text())).toEqual(["Pick who you are (under “You are”) first."]);
  });

  it("when the Discord stand-in does not answer, the pane says so", async () => {
    const closed = await startPage(0);
    const port = new URL(closed.url).port;
    await closed.close(); // a port nothing listens on any more
    const other = await startPage(0);
    other.mount("/chat", createChatPane({ driverUrl: `http://127.0.0.1:${port}/_driver`, guildId: "1", people: {} }));
    const res = await fetch(`${other.url}/chat/?as=max`);
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(
      new RegExp(`^the chat pane failed: the Discord stand-in does not answer at http://127\\.0\\.0\\.1:${port}/_driver`),
    );
    await other.close();
  });

  it("a page served under another host name (DNS rebinding) is refused", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(w.pane);
      request({ host: u.hostname, port: u.port, path: "/chat/", headers: { host: `evil.example:${u.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(403);
  });
});
