// The Discord stand-in with a small real discord.js bot, and the chat pane mounted on a page.
// The bot registers commands (guild and global, with options, a subcommand group), replies,
// defers then edits and follows up, sends an embed with buttons and answers a click, replies
// ephemerally, and starts a thread whose progress message it edits. Where a test must see an
// in-between state (thinking, progress), the bot waits at a gate the test opens. Shared by the
// pane's HTTP and browser tests.
import { once } from "node:events";
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  ModalBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  MessageFlags,
  SlashCommandBuilder,
} from "discord.js";
import type { ChatInputCommandInteraction, Interaction } from "discord.js";
import { startDiscord, type DiscordStandIn } from "../../../local/discord/index.ts";
import { createChatPane } from "../../../local/mode/chat/index.ts";
import { startPage, type Page } from "../../../local/mode/page.ts";

export const PEOPLE = { maintainer: "maya", member: "max", newcomer: "nia" };

/** A promise the bot awaits, opened by the test. */
export class Gate {
  #open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.#open = resolve));
  open(): void {
    this.#open();
  }
}

export interface ChatWorld {
  discord: DiscordStandIn;
  page: Page;
  /** The pane's root, e.g. http://127.0.0.1:1234/chat */
  pane: string;
  client: Client;
  /** Every interaction the bot received, in order ("/name" or "button:custom_id" or "select:…" or "modal:…"). */
  received: string[];
  /** Gates for /slow (before its edit) and /request (before the progress edit); replace them per test. */
  gates: { slow: Gate; request: Gate };
  close(): Promise<void>;
}

const guildCommands = [
  new SlashCommandBuilder()
    .setName("echo")
    .setDescription("Say it back")
    .addStringOption((o) => o.setName("text").setDescription("What to say").setRequired(true))
    .addIntegerOption((o) =>
      o.setName("times").setDescription("How many times").addChoices({ name: "once", value: 1 }, { name: "twice", value: 2 }),
    )
    .addBooleanOption((o) => o.setName("loud").setDescription("In capitals"))
    .addUserOption((o) => o.setName("who").setDescription("Whom to tell"))
    .addChannelOption((o) => o.setName("where").setDescription("Which channel")),
  new SlashCommandBuilder().setName("slow").setDescription("Thinks, then answers"),
  new SlashCommandBuilder().setName("vote").setDescription("A vote with buttons"),
  new SlashCommandBuilder().setName("pick").setDescription("A select menu and a form"),
  new SlashCommandBuilder().setName("secret").setDescription("Only you see the answer"),
  new SlashCommandBuilder().setName("request").setDescription("Progress in a thread"),
  new SlashCommandBuilder()
    .setName("config")
    .setDescription("Settings")
    .addSubcommandGroup((g) =>
      g
        .setName("plugin")
        .setDescription("Plugins")
        .addSubcommand((s) =>
          s
            .setName("enable")
            .setDescription("Turn a plugin on")
            .addStringOption((o) => o.setName("name").setDescription("Plugin").setRequired(true)),
        ),
    ),
].map((c) => c.toJSON());

async function onCommand(i: ChatInputCommandInteraction, gates: ChatWorld["gates"]): Promise<void> {
  switch (i.commandName) {
    case "ping":
      await i.reply("pong");
      return;
    case "echo": {
      const text = i.options.getString("text", true);
      const said = (i.options.getBoolean("loud") ? text.toUpperCase() : text).repeat(i.options.getInteger("times") ?? 1);
      const who = i.options.getUser("who");
      const where = i.options.getChannel("where");
      await i.reply(`echo ${said}${who ? ` for ${who.username}` : ""}${where ? ` in ${where.name}` : ""}`);
      return;
    }
    case "slow": {
      await i.deferReply();
      await gates.slow.opened;
      await i.editReply("slow done");
      await i.followUp("slow follow-up");
      return;
    }
    case "vote": {
      const embed = new EmbedBuilder()
        .setTitle("Vote <b>now</b>")
        .setDescription("Add /hello?")
        .addFields({ name: "Yes", value: "0", inline: true }, { name: "No", value: "0", inline: true });
      const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId("vote:yes").setLabel("Yes").setStyle(ButtonStyle.Success),
        new ButtonBuilder().setCustomId("vote:no").setLabel("No").setStyle(ButtonStyle.Danger),
        new ButtonBuilder().setURL("https://example.com/pr/1").setLabel("The PR").setStyle(ButtonStyle.Link),
      );
      await i.reply({ content: "Should we?", embeds: [embed], components: [row] });
      return;
    }
    case "pick": {
      const select = new StringSelectMenuBuilder()
        .setCustomId("colour")
        .setPlaceholder("Colour")
        .addOptions({ label: "Red", value: "red" }, { label: "Blue", value: "blue" });
      const button = new ButtonBuilder().setCustomId("form").setLabel("Fill in a form").setStyle(ButtonStyle.Primary);
      await i.reply({
        content: "Pick one",
        components: [
          new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(select),
          new ActionRowBuilder<ButtonBuilder>().addComponents(button),
        ],
      });
      return;
    }
    case "secret":
      await i.reply({ content: "only for you", flags: MessageFlags.Ephemeral });
      return;
    case "request": {
      const reply = await i.reply({ content: "Request received", withResponse: true });
      const thread = await reply.resource!.message!.startThread({ name: "request-1" });
      const progress = await thread.send("progress: working");
      await gates.request.opened;
      await progress.edit("progress: done");
      return;
    }
    case "config":
      await i.reply(`${i.options.getSubcommandGroup()} ${i.options.getSubcommand()}: ${i.options.getString("name", true)}`);
  }
}

export async function startChatWorld(): Promise<ChatWorld> {
  const discord = await startDiscord({
    seed: {
      guild: { name: "Ouro Local" },
      channels: ["general", "requests"],
      roles: ["maintainer", "member"],
      users: [
        { name: "maya", roles: ["maintainer", "member"], globalName: "Maya (maintainer)" },
        { name: "max", roles: ["member"] },
        { name: "nia", roles: [] },
      ],
    },
  });
  const page = await startPage(0);
  page.mount("/chat", createChatPane({ driverUrl: discord.driverUrl, guildId: discord.guild.id, people: PEOPLE }));

  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages], rest: { api: discord.apiBase } });
  const received: string[] = [];
  const gates = { slow: new Gate(), request: new Gate() };
  client.on(Events.InteractionCreate, (i: Interaction) => {
    const handle = async () => {
      if (i.isChatInputCommand()) {
        received.push(`/${i.commandName}`);
        await onCommand(i, gates);
      } else if (i.isButton() && i.customId === "form") {
        received.push("button:form");
        const title = new TextInputBuilder().setCustomId("title").setLabel("Title").setStyle(TextInputStyle.Short).setRequired(true);
        const body = new TextInputBuilder().setCustomId("body").setLabel("Details").setStyle(TextInputStyle.Paragraph).setRequired(false);
        await i.showModal(
          new ModalBuilder()
            .setCustomId("idea")
            .setTitle("An idea")
            .addComponents(
              new ActionRowBuilder<TextInputBuilder>().addComponents(title),
              new ActionRowBuilder<TextInputBuilder>().addComponents(body),
            ),
        );
      } else if (i.isButton()) {
        received.push(`button:${i.customId}`);
        await i.update({ content: `voted ${i.customId.slice(5)} by ${i.user.username}`, components: [] });
      } else if (i.isStringSelectMenu()) {
        received.push(`select:${i.customId}`);
        await i.update({ content: `picked ${i.values.join(", ")} by ${i.user.username}`, components: [] });
      } else if (i.isModalSubmit()) {
        received.push(`modal:${i.customId}`);
        await i.reply(`idea “${i.fields.getTextInputValue("title")}”: ${i.fields.getTextInputValue("body") || "no details"}`);
      }
    };
    handle().catch((err: unknown) => received.push(`error:${(err as Error).message}`));
  });
  const ready = once(client, Events.ClientReady);
  await client.login(discord.botToken);
  await ready;
  await client.application!.commands.set([new SlashCommandBuilder().setName("ping").setDescription("Ping").toJSON()]);
  await client.application!.commands.set(guildCommands, discord.guild.id);

  return {
    discord,
    page,
    pane: `${page.url}/chat`,
    client,
    received,
    gates,
    close: async () => {
      await client.destroy();
      await page.close();
      await discord.close();
    },
  };
}
