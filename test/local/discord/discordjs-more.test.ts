// discord.js: select menus, reactions both ways, archiving a thread, DMs from the bot, member fetches.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { once } from "node:events";
import { ActionRowBuilder, Events, GatewayIntentBits, Partials, StringSelectMenuBuilder } from "discord.js";
import type { Client, TextChannel } from "discord.js";
import { startDiscord } from "../../../local/discord/index.ts";
import type { DiscordStandIn } from "../../../local/discord/index.ts";
import { readyClient } from "./helpers.ts";

let discord: DiscordStandIn;
let client: Client;

beforeAll(async () => {
  discord = await startDiscord();
  client = await readyClient(
    discord,
    [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.GuildMembers],
    {
      partials: [Partials.Message, Partials.Reaction, Partials.User],
    },
  );
  await client.application!.commands.set([{ name: "menu", description: "Menu" }]);
  client.on(Events.InteractionCreate, async (i) => {
    if (i.isChatInputCommand()) {
      const menu = new StringSelectMenuBuilder()
        .setCustomId("risk")
        .setMinValues(1)
        .setMaxValues(2)
        .addOptions({ label: "Low", value: "low" }, { label: "High", value: "high" });
      await i.reply({ content: "risk?", components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)] });
    }
    if (i.isStringSelectMenu()) await i.update({ content: `risk: ${i.values.join("+")}`, components: [] });
  });
});
afterAll(async () => {
  await client?.destroy();
  await discord?.close();
});

describe("discord.js, more", () => {
  it("string select → interaction.values → update", async () => {
    const reply = await discord.driver.runCommand({ user: "alice", channel: "general", name: "menu" }).reply();
    expect(() => discord.driver.selectOption({ user: "alice", message: reply, customId: "risk", values: ["medium"] })).toThrow(
      /no option "medium"/,
    );
    expect(() => discord.driver.selectOption({ user: "alice", message: reply, customId: "risk", values: [] })).toThrow(/takes 1..2 values/);
    const picked = await discord.driver.selectOption({ user: "alice", message: reply, customId: "risk", values: ["low", "high"] }).reply();
    expect(picked.content).toBe("risk: low+high");
  });

  it("reactions: users' reach the bot (GuildMessageReactions); the bot's show in message.reactions", async () => {
    const channel = client.channels.cache.get(discord.guild.channels.general) as TextChannel;
    const msg = await channel.send("vote here");
    const added = once(client, Events.MessageReactionAdd);
    expect(discord.driver.react({ user: "bob", message: msg.id, emoji: "👍" })).toBe(true);
    expect(discord.driver.react({ user: "bob", message: msg.id, emoji: "👍" })).toBe(false); // idempotent
    const [reaction, user] = await added;
    expect(reaction.emoji.name).toBe("👍");
    expect(user.id).toBe(discord.guild.users.bob);
    await msg.react("🎉");
    const stored = discord.driver.message(msg.id)!;
    expect(stored.reactions?.map((r) => [r.emoji.name, r.count, r.me])).toEqual([
      ["👍", 1, false],
      ["🎉", 1, true],
    ]);
    const users = await msg.reactions.cache.get("👍")!.users.fetch();
    expect([...users.keys()]).toEqual([discord.guild.users.bob]);
  });

  it("archives a thread (PATCH /channels/:id → THREAD_UPDATE)", async () => {
    const channel = client.channels.cache.get(discord.guild.channels.requests) as TextChannel;
    const thread = await channel.threads.create({ name: "req-1" });
    const updated = once(client, Events.ThreadUpdate);
    await thread.setArchived(true);
    const [, after] = await updated;
    expect(after.archived).toBe(true);
    expect(discord.driver.threads("requests").find((t) => t.id === thread.id)?.thread_metadata?.archived).toBe(true);
    const reopened = once(client, Events.ThreadUpdate);
    await thread.send("one more thing"); // posting unarchives an unlocked thread
    expect((await reopened)[1].archived).toBe(false);
    await thread.edit({ archived: true, locked: true });
    await expect(thread.send("locked out")).rejects.toMatchObject({ code: 50083 });
  });

  it("a slash command in the bot's DM carries `user`, not `member`", async () => {
    const seen = once(client, Events.InteractionCreate);
    const h = discord.driver.runCommand({ user: "bob", channel: "dm", name: "menu" });
    const [i] = await seen;
    expect(i.inGuild()).toBe(false);
    expect(i.user.id).toBe(discord.guild.users.bob);
    expect((await h.reply()).channel_id).toBe(discord.driver.channel("dm", undefined, "bob").id);
  });

  it("fetches all members through the gateway (op 8 → GUILD_MEMBERS_CHUNK)", async () => {
    const members = await client.guilds.cache.get(discord.guild.id)!.members.fetch();
    expect(members.map((m) => m.user.username).sort()).toEqual(["Ouro", "admin", "alice", "bob"]);
    const some = await client.guilds.cache.get(discord.guild.id)!.members.fetch({ query: "al" });
    expect(some.map((m) => m.user.username)).toEqual(["alice"]);
  });

  it("joins another guild at runtime (GUILD_CREATE); users are shared across guilds", async () => {
    const joined = once(client, Events.GuildCreate);
    const second = discord.driver.createGuild({
      guild: { name: "Second" },
      channels: ["lobby"],
      users: [{ name: "alice", roles: ["member"] }],
    });
    const [guild] = await joined;
    expect(guild.id).toBe(second.id);
    expect(guild.channels.cache.map((c: { name: string }) => c.name)).toEqual(["lobby"]);
    expect(second.users.alice).toBe(discord.guild.users.alice);
    const seen = once(client, Events.InteractionCreate);
    const reply = discord.driver.runCommand({ user: "alice", guild: "Second", channel: "lobby", name: "menu" }).reply();
    const [i] = await seen;
    expect(i.guild?.name).toBe("Second");
    expect((await reply).channel_id).toBe(second.channels.lobby);
  });

  it("users edit and delete their messages (MESSAGE_UPDATE / MESSAGE_DELETE)", async () => {
    const said = discord.driver.say({ user: "alice", channel: "general", content: "frist" });
    const updated = once(client, Events.MessageUpdate);
    discord.driver.editMessage({ user: "alice", message: said.id, content: "first" });
    const [, after] = await updated;
    expect(after.id).toBe(said.id);
    expect(after.editedTimestamp).not.toBeNull();
    expect(() => discord.driver.editMessage({ user: "bob", message: said.id, content: "mine now" })).toThrow(/did not write/);
    const deleted = once(client, Events.MessageDelete);
    discord.driver.deleteMessage({ user: "alice", message: said.id });
    expect((await deleted)[0].id).toBe(said.id);
    expect(discord.driver.message(said.id)).toBeUndefined();
  });

  it("DMs a user (POST /users/@me/channels) and fetches members over REST", async () => {
    const alice = await client.users.fetch(discord.guild.users.alice);
    await alice.send("your export is ready");
    const dm = discord.driver.messages("dm", { user: "alice" });
    expect(dm.map((m) => m.content)).toEqual(["your export is ready"]);
    const member = await client.guilds.cache.get(discord.guild.id)!.members.fetch({ user: discord.guild.users.admin, force: true });
    expect(member.roles.cache.has(discord.guild.roles.admin)).toBe(true);
  });
});
