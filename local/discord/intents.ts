// Which intent a dispatch needs (https://discord.com/developers/docs/events/gateway#list-of-intents).
import { GatewayIntentBits } from "discord-api-types/v10";

export const KNOWN_INTENTS = Object.values(GatewayIntentBits)
  .filter((v): v is number => typeof v === "number")
  .reduce((a, b) => a | b, 0);

export const PRIVILEGED_INTENTS = GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;

export const Intents = GatewayIntentBits;
