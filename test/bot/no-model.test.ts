import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ComponentType } from "discord.js";
import { startHarness, type Harness } from "./harness.ts";
import { NO_MODEL_REPLY } from "../../bot/conversation/conversation.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ model: false });
});
afterAll(async () => {
  await h?.close();
});

const replyTo = (id: string) => h.discord.driver.waitForMessage("general", (m) => m.message_reference?.message_id === id);

describe("without a model", () => {
  it("says so when mentioned, and commands still work", async () => {
    const said = h.discord.driver.say({ user: "alice", channel: "general", content: `<@${h.discord.botUserId}> how are you?` });
    expect((await replyTo(said.id)).content).toBe(NO_MODEL_REPLY);
    const help = await h.discord.driver.runCommand({ user: "alice", channel: "general", name: "help" }).reply();
    expect(JSON.stringify(help.embeds)).toContain("no language model is configured");
    expect((await h.discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }).reply()).content).toBe("Pong!");
  });

  it("ignores messages that do not mention it", async () => {
    h.discord.driver.say({ user: "alice", channel: "general", content: "just chatting" });
    const said = h.discord.driver.say({ user: "alice", channel: "general", content: `<@${h.discord.botUserId}> ping` });
    const next = await h.discord.driver.waitForMessage("general", (m) => m.author.bot === true);
    expect(next.message_reference?.message_id).toBe(said.id);
  });

  it("recognises 'please add X to the bot' and offers it as a /feature request", async () => {
    const said = h.discord.driver.say({
      user: "alice",
      channel: "general",
      content: `<@${h.discord.botUserId}> please add a weather command to the bot`,
    });
    const offer = await replyTo(said.id);
    expect(offer.content).toContain("feature request: **a weather command**");
    const button = (offer.components![0] as { components: { type: number; custom_id: string }[] }).components[0];
    expect(button.type).toBe(ComponentType.Button);

    const other = await h.discord.driver.clickButton({ user: "bob", message: offer, customId: button.custom_id }).reply();
    expect(other.content).toContain("Only the person who asked");
    expect(h.app.requests).toHaveLength(0);

    const mine = await h.discord.driver.clickButton({ user: "alice", message: offer, customId: button.custom_id }).reply();
    expect(mine.content).toContain("Feature request");
    expect(h.app.requests.map((r) => r.text)).toEqual(["Add a weather command to the bot"]);
    await h.discord.driver.waitForThread({ parent: "general", name: /weather/ });

    const twice = await h.discord.driver.clickButton({ user: "alice", message: offer, customId: button.custom_id }).reply();
    expect(twice.content).toContain("already sent");
    expect(h.app.requests).toHaveLength(1);
  });
});
