import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pluginRoot } from "../helpers/plugin-root.ts";
import { startHarness, until, type Harness } from "./harness.ts";
import type { MessageRec } from "../../local/discord/index.ts";

const DICE = `import { definePlugin } from "../../plugin-api/index.ts";
export default definePlugin({
  name: "dice",
  description: "rolls dice",
  tools: [
    {
      name: "roll_die",
      description: "Roll a die with the given number of sides",
      parameters: { type: "object", properties: { sides: { type: "integer", minimum: 2 } }, required: ["sides"], additionalProperties: false },
      run: (args) => \`rolled 4 on a d\${(args as { sides: number }).sides}\`,
    },
    {
      name: "slow_oracle",
      description: "Never answers (a broken plugin tool)",
      parameters: { type: "object", properties: {} },
      run: () => new Promise<string>(() => {}),
    },
  ],
});
`;

let h: Harness;
let bot = "";
beforeAll(async () => {
  h = await startHarness({ model: true, bot: { pluginRoot: pluginRoot({ dice: DICE }), conversation: { compactAfter: 6, keepTurns: 2 } } });
  bot = h.discord.botUserId;
});
afterAll(async () => {
  await h?.close();
});

/** Says something and waits until the bot's reply to it has its final text. */
async function ask(user: string, channel: string, content: string, final: (text: string) => boolean): Promise<MessageRec> {
  const said = h.discord.driver.say({ user, channel, content });
  const reply = await h.discord.driver.waitForMessage(channel, (m) => m.message_reference?.message_id === said.id, { user });
  const done = await until(() => {
    const m = h.discord.driver.message(reply.id)!;
    return final(m.content) && m;
  }, `final reply to "${content}"`);
  // The bot stores its answer right after the last edit: wait for that too, so the next
  // exchange starts from a settled history.
  const conversation = `${done.channel_id}:${h.discord.driver.user(user).id}`;
  await until(() => h.bot.context.memory.context(conversation).turns.at(-1)?.content === done.content, "the answer stored");
  return done;
}

describe("conversation with the model", () => {
  it("answers a mention, calling a plugin tool with validated arguments", async () => {
    h.openai!.enqueue({ toolCalls: [{ name: "roll_die", arguments: { sides: 6 } }] }, { content: "You rolled a 4!" });
    const reply = await ask("alice", "general", `<@${bot}> roll a d6 for me`, (t) => t === "You rolled a 4!");
    expect(reply.author.id).toBe(bot);
    const [first, second] = h.openai!.requests;
    expect(first.stream).toBe(true);
    expect(first.tools?.map((t) => (t as { function: { name: string } }).function.name)).toEqual([
      "remember_preference",
      "remember_server_fact",
      "roll_die",
      "slow_oracle",
    ]);
    expect(first.messages.at(-1)).toEqual({ role: "user", content: "roll a d6 for me" });
    expect(second.messages.at(-1)).toMatchObject({ role: "tool", content: "rolled 4 on a d6" });
  });

  it("a malformed tool call gets a clear error back to the model, and the tool does not run", async () => {
    h.openai!.enqueue(
      { toolCalls: [{ name: "roll_die", arguments: "{sides: six" }] },
      { toolCalls: [{ name: "roll_die", arguments: { sides: 1 } }] },
      { content: "Sorry, I fumbled the dice." },
    );
    await ask("alice", "general", `<@${bot}> roll again`, (t) => t.startsWith("Sorry"));
    const reqs = h.openai!.requests.slice(-2);
    expect(reqs[0].messages.at(-1)).toMatchObject({ role: "tool", content: "error: the arguments for roll_die are not valid JSON" });
    expect(String(reqs[1].messages.at(-1)!.content)).toMatch(/^error: invalid arguments for roll_die: data\/sides must be >= 2/);
  });

  it("a hanging plugin tool times out; the model hears so and the reply still comes", async () => {
    h.openai!.enqueue({ toolCalls: [{ name: "slow_oracle", arguments: {} }] }, { content: "The oracle is silent." });
    await ask("bob", "general", `<@${bot}> ask the oracle`, (t) => t === "The oracle is silent.");
    expect(h.openai!.requests.at(-1)!.messages.at(-1)).toMatchObject({
      role: "tool",
      content: expect.stringMatching(/^error: tool slow_oracle failed \(timed out\)/),
    });
  });

  it("remembers preferences and server facts the model notes, and uses them as context", async () => {
    h.openai!.enqueue(
      {
        toolCalls: [
          { name: "remember_preference", arguments: { key: "language", value: "French" } },
          { name: "remember_server_fact", arguments: { key: "topic", value: "board games" } },
        ],
      },
      { content: "Noté !" },
    );
    await ask("bob", "general", `<@${bot}> please talk to me in French`, (t) => t === "Noté !");
    const bobId = h.discord.driver.user("bob").id;
    expect(h.bot.context.memory.preferences(bobId)).toEqual({ language: "French" });
    expect(h.bot.context.memory.guildContext(h.discord.guild.id)).toEqual({ topic: "board games" });
    h.openai!.enqueue({ content: "Bonjour" });
    await ask("bob", "general", `<@${bot}> salut`, (t) => t === "Bonjour");
    const system = String(h.openai!.requests.at(-1)!.messages[0].content);
    expect(system).toContain("Their preferences: language=French.");
    expect(system).toContain("About this server: topic: board games.");
  });

  it("folds older turns into a model-written summary, used as context afterwards", async () => {
    // bob has 6 stored turns in #general now (3 exchanges); one more exchange passes compactAfter = 6.
    h.openai!.handle((req) => (req.stream ? { content: "ok" } : { content: "SUMMARY: bob plays board games and prefers French." }));
    await ask("bob", "general", `<@${bot}> one more thing`, (t) => t === "ok");
    await until(() => h.bot.context.memory.counts(h.discord.driver.user("bob").id).summaries === 1, "a summary row");
    const summarise = h.openai!.requests.findLast((r) => !r.stream)!;
    expect(String(summarise.messages[0].content)).toMatch(/^Summarise this conversation/);
    await ask("bob", "general", `<@${bot}> and now?`, (t) => t === "ok");
    const last = h.openai!.requests.at(-1)!;
    expect(String(last.messages[0].content)).toContain("SUMMARY: bob plays board games and prefers French.");
    // system, the 2 kept turns, the new message
    expect(last.messages.map((m) => `${m.role}:${m.role === "system" ? "" : String(m.content)}`)).toEqual([
      "system:",
      "user:one more thing",
      "assistant:ok",
      "user:and now?",
    ]);
    h.openai!.handle(undefined);
  });

  it("answers DMs, and says so when the model fails", async () => {
    h.openai!.enqueue({ error: { status: 400, message: "context too long" } });
    const reply = await ask("bob", "dm", "hi there", (t) => t.includes("model failed"));
    expect(reply.content).toContain("context too long");
  });

  it("remembers across a restart: history is read back (decrypted) from the store, never stored in clear", async () => {
    await h.restart();
    h.openai!.enqueue({ content: "You asked me to roll dice." });
    await ask("alice", "general", `<@${bot}> what did I ask you before?`, (t) => t === "You asked me to roll dice.");
    const last = h.openai!.requests.at(-1)!;
    const texts = last.messages.map((m) => `${m.role}:${typeof m.content === "string" ? m.content : ""}`);
    expect(texts).toContain("user:roll a d6 for me");
    expect(texts).toContain("assistant:You rolled a 4!");
    expect(String(last.messages[0].content)).toContain("You are talking with alice");
    const file = Buffer.concat([readFileSync(join(h.dataDir, "memory.sqlite")), readFileSync(join(h.dataDir, "memory.sqlite-wal"))]);
    expect(file.includes(Buffer.from("roll a d6 for me"))).toBe(false);
    expect(file.includes(Buffer.from("You rolled a 4!"))).toBe(false);
  });

  it("/export returns the user's data as a JSON file; /forget deletes every row of that user only", async () => {
    const alice = h.discord.driver.user("alice").id;
    const exported = await h.discord.driver.runCommand({ user: "alice", channel: "general", name: "export" }).reply();
    expect(exported.attachments).toHaveLength(1);
    expect(exported.attachments[0].filename).toBe(`ouro-export-${alice}.json`);
    const data = JSON.parse(h.discord.driver.attachment(exported.attachments[0].id)!.toString("utf8"));
    expect(data.userId).toBe(alice);
    expect(data.profile.name).toBe("alice");
    expect(data.messages.map((m: { content: string }) => m.content)).toContain("roll a d6 for me");

    const memory = h.bot.context.memory;
    const bob = h.discord.driver.user("bob").id;
    const bobBefore = memory.counts(bob);
    expect(Object.values(memory.counts(alice)).reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
    const forgot = await h.discord.driver.runCommand({ user: "alice", channel: "general", name: "forget" }).reply();
    expect(forgot.content).toMatch(/deleted everything I stored about you \(\d+ records/);
    expect(forgot.content).toContain("The Ouro app"); // the app was asked too (its side: test/app/privacy.test.ts)
    expect(h.app.forgotten).toEqual([alice]);
    expect(memory.counts(alice)).toEqual({ profiles: 0, preferences: 0, messages: 0, summaries: 0, feature_offers: 0 });
    expect(memory.counts(bob)).toEqual(bobBefore);
    const again = await h.discord.driver.runCommand({ user: "alice", channel: "general", name: "export" }).reply();
    const empty = JSON.parse(h.discord.driver.attachment(again.attachments[0].id)!.toString("utf8"));
    expect(empty).toMatchObject({ profile: null, messages: [], summaries: [] });
  });
});
