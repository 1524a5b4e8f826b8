// The real discord.js client against the Discord stand-in: login, commands, interactions, threads, buttons.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { once } from "node:events";
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  Events,
  GatewayIntentBits,
  MessageFlags,
  ModalBuilder,
  Partials,
  TextInputBuilder,
  TextInputStyle,
  REST,
  Routes,
  SlashCommandBuilder,
} from "discord.js";
import type { Client, TextChannel, ChatInputCommandInteraction } from "discord.js";
import { startDiscord } from "../../../local/discord/index.ts";
import type { DiscordStandIn } from "../../../local/discord/index.ts";
import { readyClient } from "./helpers.ts";

let discord: DiscordStandIn;
let client: Client;
/** What the bot under test does per command; set by each test. */
const handlers = new Map<string, (i: ChatInputCommandInteraction) => Promise<void>>();

beforeAll(async () => {
  discord = await startDiscord();
  client = await readyClient(discord);
  client.on(Events.InteractionCreate, async (i) => {
    if (i.isChatInputCommand()) await handlers.get(i.commandName)?.(i);
    if (i.isButton() && i.customId.startsWith("vote:"))
      await i.update({ content: `voted ${i.customId.slice(5)} by ${i.user.username}`, components: [] });
    if (i.isButton() && i.customId === "slow") {
      await i.deferUpdate();
      await i.editReply({ content: "done slowly", components: [] });
    }
    if (i.isButton() && i.customId === "form") {
      const input = new TextInputBuilder().setCustomId("title").setLabel("Title").setStyle(TextInputStyle.Short);
      await i.showModal(
        new ModalBuilder()
          .setCustomId("feature-form")
          .setTitle("Feature")
          .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input)),
      );
    }
    if (i.isModalSubmit()) await i.reply(`form ${i.customId}: ${i.fields.getTextInputValue("title")}`);
  });
  await client.application!.commands.set([
    new SlashCommandBuilder()
      .setName("feature")
      .setDescription("Ask for a feature")
      .addStringOption((o) => o.setName("text").setDescription("what").setRequired(true))
      .addIntegerOption((o) =>
        o.setName("priority").setDescription("1-3").addChoices({ name: "low", value: 1 }, { name: "high", value: 3 }),
      )
      .addUserOption((o) => o.setName("reviewer").setDescription("who"))
      .addBooleanOption((o) => o.setName("urgent").setDescription("now?"))
      .toJSON(),
    new SlashCommandBuilder().setName("ping").setDescription("Ping").toJSON(),
    new SlashCommandBuilder()
      .setName("admin")
      .setDescription("Admin things")
      .setDefaultMemberPermissions(0x20)
      .addSubcommand((s) => s.setName("stop").setDescription("Emergency stop"))
      .toJSON(),
  ]);
});

afterAll(async () => {
  await client?.destroy();
  await discord?.close();
});

describe("discord.js against the stand-in", () => {
  it("logs in: READY and GUILD_CREATE populate the caches", () => {
    expect(client.user?.id).toBe(discord.botUserId);
    expect(client.application?.id).toBe(discord.applicationId);
    const guild = client.guilds.cache.get(discord.guild.id)!;
    expect(guild.name).toBe("Ouro Local");
    expect(guild.channels.cache.map((c) => c.name).sort()).toEqual(["general", "requests"]);
    expect(guild.roles.cache.map((r) => r.name)).toEqual(expect.arrayContaining(["@everyone", "admin", "maintainer", "member"]));
    expect(guild.members.cache.has(discord.guild.users.alice)).toBe(true);
  });

  it("registers commands globally and per guild through REST; ids survive a re-PUT", async () => {
    expect(discord.driver.commands().map((c) => c.name)).toEqual(["feature", "ping", "admin"]);
    const rest = new REST({ api: discord.apiBase }).setToken(discord.botToken);
    const put = (await rest.put(Routes.applicationGuildCommands(discord.applicationId, discord.guild.id), {
      body: [{ name: "status", description: "Status" }],
    })) as { id: string; guild_id: string }[];
    expect(put[0].guild_id).toBe(discord.guild.id);
    const again = (await rest.put(Routes.applicationGuildCommands(discord.applicationId, discord.guild.id), {
      body: [{ name: "status", description: "Status v2" }],
    })) as { id: string; description: string }[];
    expect(again[0].id).toBe(put[0].id);
    expect(again[0].description).toBe("Status v2");
    const fetched = await client.application!.commands.fetch();
    expect(fetched.map((c) => c.name).sort()).toEqual(["admin", "feature", "ping"]);
    await expect(
      rest.put(Routes.applicationCommands(discord.applicationId), { body: [{ name: "Bad Name", description: "x" }] }),
    ).rejects.toMatchObject({ code: 50035, status: 400 });
    expect(discord.driver.commands().length).toBe(3); // a rejected PUT changes nothing
  });

  it("answers a slash command with typed options: reply", async () => {
    handlers.set("feature", async (i) => {
      await i.reply(
        `got ${i.options.getString("text")} p${i.options.getInteger("priority")} ${i.options.getUser("reviewer")?.username} ${i.options.getBoolean("urgent")}`,
      );
    });
    const h = discord.driver.runCommand({
      user: "alice",
      channel: "general",
      name: "feature",
      options: { text: "dark mode", priority: "3", reviewer: "bob", urgent: "true" },
    });
    const reply = await h.reply();
    expect(reply.content).toBe("got dark mode p3 bob true");
    expect(reply.interaction_metadata?.user.id).toBe(discord.guild.users.alice);
    expect(discord.driver.messages("general").at(-1)?.id).toBe(reply.id);
  });

  it("deferReply + editReply, then followUp (ephemeral), then edits the reply again", async () => {
    handlers.set("ping", async (i) => {
      await i.deferReply();
      await i.editReply("pong");
      await i.followUp({ content: "secret", flags: MessageFlags.Ephemeral });
      await i.editReply("pong (edited)");
    });
    const h = discord.driver.runCommand({ user: "bob", channel: "general", name: "ping" });
    expect((await h.reply()).content).toMatch(/^pong/);
    const [follow] = await h.followUps(1);
    expect(follow.content).toBe("secret");
    expect(follow.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    const edits = await h.edits(2);
    expect(edits.map((m) => m.content)).toEqual(["pong", "pong (edited)"]);
    expect(discord.driver.messages("general").some((m) => m.content === "secret")).toBe(false); // ephemeral: not in history
  });

  it("ephemeral deferReply: the first followUp fills the loading message", async () => {
    handlers.set("ping", async (i) => {
      await i.deferReply({ flags: MessageFlags.Ephemeral });
      await i.followUp("done");
    });
    const h = discord.driver.runCommand({ user: "bob", channel: "general", name: "ping" });
    const reply = await h.reply();
    expect(reply.content).toBe("done");
    expect(reply.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(reply.flags! & MessageFlags.Loading).toBe(0);
  });

  it("a button click → interaction.update edits the message", async () => {
    handlers.set("ping", async (i) => {
      const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId("vote:yes").setLabel("Yes").setStyle(ButtonStyle.Success),
      );
      await i.reply({ content: "vote?", components: [row] });
    });
    const reply = await discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }).reply();
    const click = discord.driver.clickButton({ user: "bob", message: reply, customId: "vote:yes" });
    const updated = await click.reply();
    expect(updated.id).toBe(reply.id);
    expect(updated.content).toBe("voted yes by bob");
    expect(updated.components).toEqual([]);
    expect(() => discord.driver.clickButton({ user: "bob", message: reply, customId: "vote:no" })).toThrow(/no component/);
  });

  it("deferUpdate + editReply edits the clicked message; showModal → submitted modal → reply", async () => {
    handlers.set("ping", async (i) => {
      const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId("slow").setLabel("Slow").setStyle(ButtonStyle.Primary),
        new ButtonBuilder().setCustomId("form").setLabel("Form").setStyle(ButtonStyle.Secondary),
      );
      await i.reply({ content: "pick", components: [row] });
    });
    const first = await discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }).reply();
    const slow = discord.driver.clickButton({ user: "alice", message: first, customId: "slow" });
    expect(await slow.reply()).toMatchObject({ id: first.id, content: "done slowly", components: [] });
    expect(slow.callbackType).toBe(6);
    const second = await discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }).reply();
    const click = discord.driver.clickButton({ user: "bob", message: second, customId: "form" });
    expect(await click.modal()).toMatchObject({ custom_id: "feature-form", title: "Feature" });
    await expect(discord.driver.submitModal({ user: "bob", to: click, values: { title: "x", nope: "y" } })).rejects.toThrow(
      /has no input nope \(has: title\)/,
    );
    await expect(discord.driver.submitModal({ user: "bob", to: click, values: {} })).rejects.toThrow(/needs title/);
    await expect(discord.driver.submitModal({ user: "alice", to: click, values: { title: "x" } })).rejects.toThrow(/shown to someone else/);
    const submitted = await discord.driver.submitModal({ user: "bob", to: click, values: { title: "dark mode" } });
    expect((await submitted.reply()).content).toBe("form feature-form: dark mode");
    const overHttp = await fetch(`${discord.driverUrl}/modals/submit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "bob", interaction: click.id, values: { title: "via http" } }),
    });
    expect(((await overHttp.json()) as { reply: { content: string } }).reply.content).toBe("form feature-form: via http");
  });

  it("opens a thread from its reply and posts in it; edits a channel message", async () => {
    handlers.set("feature", async (i) => {
      const msg = await i.reply({ content: "tracking", withResponse: true });
      const thread = await msg.resource!.message!.startThread({ name: `feature ${i.options.getString("text")}` });
      await thread.send("progress: started");
      const sent = await (i.channel as TextChannel).send("status: queued");
      await sent.edit("status: running");
    });
    const h = discord.driver.runCommand({ user: "alice", channel: "requests", name: "feature", options: { text: "x" } });
    const thread = await discord.driver.waitForThread({ parent: "requests", name: "feature x" });
    expect(thread.id).toBe((await h.reply()).id);
    const inThread = await discord.driver.waitForMessage(thread.id, (m) => m.content.startsWith("progress"), { includeExisting: true });
    expect(inThread.channel_id).toBe(thread.id);
    const status = await discord.driver.waitForMessage("requests", (m) => m.content === "status: running", { includeExisting: true });
    expect(status.edited_timestamp).not.toBeNull();
    expect(client.channels.cache.get(thread.id)?.isThread()).toBe(true);
  });

  it("sends a JSON file as multipart (payload_json + files[0])", async () => {
    handlers.set("ping", async (i) => {
      await i.reply({
        content: "export",
        files: [new AttachmentBuilder(Buffer.from('{"a":1}'), { name: "export.json" })],
        flags: MessageFlags.Ephemeral,
      });
    });
    const reply = await discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }).reply();
    expect(reply.attachments[0].filename).toBe("export.json");
    expect(JSON.parse(discord.driver.attachment(reply.attachments[0].id)!.toString())).toEqual({ a: 1 });
    const res = await fetch(reply.attachments[0].url);
    expect(await res.text()).toBe('{"a":1}');
  });

  it("refuses to run a command hidden by default_member_permissions, runs it for an admin", async () => {
    expect(() => discord.driver.runCommand({ user: "alice", channel: "general", name: "admin", subcommand: "stop" })).toThrow(
      /cannot use \/admin/,
    );
    handlers.set("admin", async (i) => void (await i.reply(`sub=${i.options.getSubcommand()}`)));
    expect(
      (await discord.driver.runCommand({ user: "admin", channel: "general", name: "admin", subcommand: "stop" }).reply()).content,
    ).toBe("sub=stop");
  });

  it("message content reaches the bot only with the MessageContent intent (DMs always)", async () => {
    const withContent = await readyClient(
      discord,
      [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.DirectMessages],
      {
        partials: [Partials.Channel], // as on Discord, DM channels arrive uncached
      },
    );
    try {
      const seenWith = once(withContent, Events.MessageCreate);
      const seenWithout = once(client, Events.MessageCreate);
      discord.driver.say({ user: "alice", channel: "general", content: "hello bot" });
      const [[a], [b]] = await Promise.all([seenWith, seenWithout]);
      expect(a.content).toBe("hello bot");
      expect(b.content).toBe("");
      expect(b.author.username).toBe("alice");
      const dm = once(withContent, Events.MessageCreate);
      discord.driver.say({ user: "bob", channel: "dm", content: "psst" });
      const [d] = await dm;
      expect(d.content).toBe("psst");
      expect(d.channel.isDMBased()).toBe(true);
    } finally {
      await withContent.destroy();
    }
  });

  it("a reply after the 3 s window is refused with 10062 (Unknown interaction)", async () => {
    const slow = await startDiscord({ interactionTimeoutMs: 50 });
    const c = await readyClient(slow);
    try {
      await c.application!.commands.set([{ name: "slow", description: "slow" }]);
      const failed = new Promise((resolve) =>
        c.on(Events.InteractionCreate, async (i) => {
          await new Promise((r) => setTimeout(r, 100));
          if (i.isRepliable()) await i.reply("late").catch(resolve);
        }),
      );
      slow.driver.runCommand({ user: "alice", channel: "general", name: "slow" });
      expect(await failed).toMatchObject({ code: 10062, status: 404 });
    } finally {
      await c.destroy();
      await slow.close();
    }
  });
});
