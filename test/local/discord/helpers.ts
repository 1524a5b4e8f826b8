// Starts a real discord.js Client against the stand-in and waits until it is ready.
import { once } from "node:events";
import { Client, Events, GatewayIntentBits } from "discord.js";
import type { ClientOptions } from "discord.js";
import type { DiscordStandIn } from "../../../local/discord/index.ts";

export async function readyClient(
  discord: DiscordStandIn,
  intents: ClientOptions["intents"] = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
  extra: Partial<ClientOptions> = {},
): Promise<Client> {
  const client = new Client({ intents, rest: { api: discord.apiBase }, ...extra });
  const ready = once(client, Events.ClientReady);
  await client.login(discord.botToken);
  await ready;
  return client;
}
