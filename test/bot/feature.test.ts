import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ComponentType, MessageFlags } from "discord.js";
import { startHarness, until, type Harness } from "./harness.ts";
import type { MessageRec } from "../../local/discord/index.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const ephemeral = (m: { flags?: number }) => ((m.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
type Button = { type: ComponentType; style: number; custom_id?: string; url?: string; label?: string };
const buttons = (m: MessageRec): Button[] =>
  ((m.components ?? []) as { components: Button[] }[]).flatMap((row) => row.components).filter((c) => c.type === ComponentType.Button);
const embedText = (m: MessageRec) => JSON.stringify(m.embeds ?? []);

describe("/feature", () => {
  let progressId = "";
  let threadId = "";

  it("submits the request to the app, announces it and opens a thread with the progress message", async () => {
    const reply = await h.discord.driver
      .runCommand({
        user: "alice",
        channel: "general",
        name: "feature",
        subcommand: "request",
        options: { text: "a /dance command that shows a dancing gif" },
      })
      .reply();
    expect(ephemeral(reply)).toBe(false);
    expect(reply.content).toContain("Feature request");
    expect(reply.content).toContain("chg-1");
    expect(h.app.requests).toHaveLength(1);
    expect(h.app.requests[0]).toMatchObject({
      text: "a /dance command that shows a dancing gif",
      requester: { name: "alice", discordId: h.discord.driver.user("alice").id },
      origin: { channelId: h.discord.guild.channels.general },
    });
    const thread = await h.discord.driver.waitForThread({ parent: "general", name: /change chg-1/ });
    threadId = thread.id;
    expect(thread.id).toBe(reply.id); // a thread on the announcement
    const progress = await h.discord.driver.waitForMessage(thread.id, (m) => m.author.bot === true, { includeExisting: true });
    progressId = progress.id;
    expect(embedText(progress)).toContain("Change chg-1");
    expect(buttons(progress).map((b) => b.label)).toEqual(["Tracking issue"]);
  });

  it("edits the progress in place as the app reports it: PR link button, then vote buttons", async () => {
    h.app.emit({ changeId: "chg-1", state: "working", message: "writing bot/plugins/dance" });
    await until(() => embedText(h.discord.driver.message(progressId)!).includes("writing bot/plugins/dance"), "working edit");
    h.app.emit({
      changeId: "chg-1",
      state: "review",
      prUrl: "https://github.com/ouro/ouro/pull/12",
      risk: "low",
      votes: { up: 0, down: 0, needed: 2 },
    });
    const edited = await until(() => {
      const m = h.discord.driver.message(progressId)!;
      return buttons(m).some((b) => b.custom_id === "vote:chg-1:up") && m;
    }, "vote buttons");
    const b = buttons(edited);
    expect(b.find((x) => x.label === "Pull request")?.url).toBe("https://github.com/ouro/ouro/pull/12");
    expect(b.map((x) => x.custom_id).filter(Boolean)).toEqual(["vote:chg-1:up", "vote:chg-1:down"]);
    expect(embedText(edited)).toContain("low");
    expect(h.discord.driver.messages(threadId).filter((m) => m.author.bot)).toHaveLength(1); // one message, edited
  });

  it("vote buttons record votes with the app", async () => {
    const reply = await h.discord.driver.clickButton({ user: "bob", message: progressId, customId: "vote:chg-1:up" }).reply();
    expect(ephemeral(reply)).toBe(true);
    expect(reply.content).toContain("Vote recorded: 👍");
    expect(h.app.votes).toEqual([{ changeId: "chg-1", voter: h.discord.driver.user("bob").id, vote: "up" }]);
  });

  it("voting without a voting role is denied and records nothing", async () => {
    h.discord.driver.createUser({ name: "nobody" });
    const reply = await h.discord.driver.clickButton({ user: "nobody", message: progressId, customId: "vote:chg-1:down" }).reply();
    expect(reply.content).toBe("⛔ You need the role **member** or **maintainer** or **admin** to vote on changes.");
    expect(h.app.votes).toHaveLength(1);
  });

  it("keeps updating the same message after a restart, including progress reported while it was down", async () => {
    const seenBefore = h.app.eventStreamRequests.length;
    await h.restart(undefined, () => h.app.emit({ changeId: "chg-1", state: "merged", message: "merged while the bot restarted" }));
    await h.app.streamClients(1);
    await until(() => embedText(h.discord.driver.message(progressId)!).includes("merged while the bot restarted"), "event from while down");
    expect(Number(h.app.eventStreamRequests[seenBefore].lastEventId)).toBeGreaterThan(0); // resumed, not replayed from the start
    h.app.emit({ changeId: "chg-1", state: "deployed", message: "live" });
    const done = await until(() => {
      const m = h.discord.driver.message(progressId)!;
      return embedText(m).includes("live") && m;
    }, "deployed edit after restart");
    expect(buttons(done).map((x) => x.label)).toEqual(["Pull request", "Tracking issue"]); // no votes once deployed
  });

  it("recipe subcommands send a structured recipe", async () => {
    await h.discord.driver
      .runCommand({
        user: "alice",
        channel: "general",
        name: "feature",
        subcommand: "add-command",
        options: { name: "dance", description: "Dance!", reply: "💃" },
      })
      .reply();
    await h.discord.driver
      .runCommand({
        user: "alice",
        channel: "general",
        name: "feature",
        subcommand: "add-responder",
        options: { name: "good-morning", trigger: "good morning", reply: "☀️" },
      })
      .reply();
    await h.discord.driver
      .runCommand({
        user: "alice",
        channel: "general",
        name: "feature",
        subcommand: "set-setting",
        options: { key: "tone", value: "playful" },
      })
      .reply();
    await h.discord.driver
      .runCommand({
        user: "alice",
        channel: "general",
        name: "feature",
        subcommand: "set-setting",
        options: { key: "maxReplyLength", value: "1200" },
      })
      .reply();
    expect(h.app.requests.slice(1).map((r) => r.recipe)).toEqual([
      { kind: "add-command", name: "dance", description: "Dance!", reply: "💃", options: [] }, // the recipe schema's defaults applied
      { kind: "add-responder", name: "good-morning", trigger: "good morning", reply: "☀️", examples: [] },
      { kind: "set-setting", key: "tone", value: "playful" },
      { kind: "set-setting", key: "maxReplyLength", value: 1200 }, // typed as the setting is
    ]);
    await until(() => h.discord.driver.threads("general").length === 5, "a thread per request");
  });

  it("a malformed recipe gets a clear error and sends nothing", async () => {
    const before = h.app.requests.length;
    const run = async (subcommand: string, options: Record<string, string>) => {
      const reply = await h.discord.driver.runCommand({ user: "alice", channel: "general", name: "feature", subcommand, options }).reply();
      expect(ephemeral(reply)).toBe(true);
      return reply.content;
    };
    expect(await run("add-command", { name: "Bad Name", description: "d", reply: "r" })).toMatch(
      /not valid:\n✖ must be 2–32 lowercase letters.*\n {2}→ at name/,
    );
    expect(await run("add-responder", { name: "boom", trigger: "(a+)+$", reply: "r" })).toMatch(
      /not valid:\n✖ nested quantifiers.*\n {2}→ at trigger/,
    );
    expect(await run("add-responder", { name: "boom", trigger: "([unclosed", reply: "r" })).toMatch(
      /not valid:\n✖ is not a valid regular expression.*\n {2}→ at trigger/,
    );
    expect(await run("add-responder", { name: "echo", trigger: "(a)\\1", reply: "r" })).toMatch(
      /not valid:\n✖ is not a pattern RE2 can run \(.*no backreferences.*\n {2}→ at trigger/,
    );
    expect(await run("set-setting", { key: "tone", value: "rude" })).toMatch(/"rude" is not a valid value for tone/);
    expect(await run("set-setting", { key: "maxReplyLength", value: "5" })).toMatch(/"5" is not a valid value for maxReplyLength/);
    expect(h.app.requests).toHaveLength(before);
  });

  it("inside a thread, shows the progress right there instead of nesting a thread", async () => {
    const reply = await h.discord.driver
      .runCommand({ user: "alice", channel: threadId, name: "feature", subcommand: "request", options: { text: "a follow-up tweak" } })
      .reply();
    const changeId = /`(chg-\d+)`/.exec(reply.content)![1];
    const progress = await h.discord.driver.waitForMessage(
      threadId,
      (m) => m.author.bot === true && embedText(m).includes(`Change ${changeId}`),
    );
    expect(progress.channel_id).toBe(threadId);
    h.app.emit({ changeId, state: "working", message: "on it" });
    await until(() => embedText(h.discord.driver.message(progress.id)!).includes("on it"), "edit in the thread");
  });

  it("defers when the app is slow, then announces in the deferred reply and opens the thread", async () => {
    // The app answers only once the bot has deferred: slow for as long as it takes, on any machine.
    let release!: () => void;
    h.app.submitGate = new Promise((r) => (release = r));
    try {
      const handle = h.discord.driver.runCommand({
        user: "bob",
        channel: "general",
        name: "feature",
        subcommand: "request",
        options: { text: "slow but sure" },
      });
      const first = await handle.response();
      expect(first.callbackType).toBe(5); // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE (the stand-in refuses it after Discord's 3 s)
      release();
      const [edited] = await handle.edits(1);
      expect(edited.content).toContain("slow but sure");
      await h.discord.driver.waitForThread({ parent: "general", name: /slow but sure/ });
    } finally {
      release();
      h.app.submitGate = undefined;
    }
  });

  it("shows the app's refusal (e.g. emergency stop) and opens no thread", async () => {
    const threads = h.discord.driver.threads("general").length;
    h.app.failNextSubmit = { status: 409, error: "Ouro is stopped: no new self-edits until an admin resumes it." };
    const reply = await h.discord.driver
      .runCommand({ user: "alice", channel: "general", name: "feature", subcommand: "request", options: { text: "more cats" } })
      .reply();
    expect(ephemeral(reply)).toBe(true);
    expect(reply.content).toBe("⚠️ Ouro is stopped: no new self-edits until an admin resumes it.");
    expect(h.discord.driver.threads("general")).toHaveLength(threads);
  });
});
