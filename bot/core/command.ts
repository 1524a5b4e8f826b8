// A core command: the guide's `{ data, execute }`, with the bot context and the
// capability it needs (checked before execute, with one clear denial).
import type {
  ChatInputCommandInteraction,
  SlashCommandOptionsOnlyBuilder,
  SlashCommandSubcommandsOnlyBuilder,
  SlashCommandBuilder,
} from "discord.js";
import type { BotContext } from "./context.ts";
import type { Capability } from "../permissions/capabilities.ts";

export interface CoreCommand {
  data: SlashCommandBuilder | SlashCommandOptionsOnlyBuilder | SlashCommandSubcommandsOnlyBuilder;
  /** Checked for the whole command; commands with per-subcommand rules check inside. */
  capability?: Capability;
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<unknown>;
}
