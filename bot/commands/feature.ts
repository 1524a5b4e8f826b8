// /feature: ask Ouro for a change — free text for the agent, or a recipe that needs no model.
import { SlashCommandBuilder } from "discord.js";
import { z } from "zod";
import type { CoreCommand } from "../core/command.ts";
import { SETTING_KEYS } from "../../contract/settings.ts";
import { recipeSchema, type Recipe } from "../../contract/recipe.ts";
import { describeRecipe, startFeatureRequest } from "../features/start-request.ts";
import { replyError } from "../core/reply-error.ts";
import { parseSettingValue } from "../features/setting-value.ts";

export const data = new SlashCommandBuilder()
  .setName("feature")
  .setDescription("Ask Ouro to change itself (opens a pull request)")
  .addSubcommand((s) =>
    s
      .setName("request")
      .setDescription("Describe a feature in your own words")
      .addStringOption((o) => o.setName("text").setDescription("What should Ouro do?").setRequired(true).setMaxLength(4000)),
  )
  .addSubcommand((s) =>
    s
      .setName("add-command")
      .setDescription("Add a slash command with a fixed reply")
      .addStringOption((o) => o.setName("name").setDescription("Command name, e.g. dance").setRequired(true).setMaxLength(32))
      .addStringOption((o) => o.setName("description").setDescription("What it does").setRequired(true).setMaxLength(100))
      .addStringOption((o) => o.setName("reply").setDescription("What it answers").setRequired(true).setMaxLength(2000)),
  )
  .addSubcommand((s) =>
    s
      .setName("add-responder")
      .setDescription("Add an auto-response to messages containing some text")
      .addStringOption((o) => o.setName("name").setDescription("Responder name, e.g. good-morning").setRequired(true).setMaxLength(32))
      .addStringOption((o) => o.setName("trigger").setDescription("Text that triggers it").setRequired(true).setMaxLength(200))
      .addStringOption((o) => o.setName("reply").setDescription("What it answers").setRequired(true).setMaxLength(2000)),
  )
  .addSubcommand((s) =>
    s
      .setName("set-setting")
      .setDescription("Change one of the bot's settings")
      .addStringOption((o) =>
        o
          .setName("key")
          .setDescription("Setting")
          .setRequired(true)
          .addChoices(...SETTING_KEYS.map((k) => ({ name: k, value: k }))),
      )
      .addStringOption((o) => o.setName("value").setDescription("New value").setRequired(true).setMaxLength(200)),
  );

export const command: CoreCommand = {
  data,
  capability: "request",
  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    if (sub === "request") return startFeatureRequest(interaction, ctx, interaction.options.getString("text", true));
    const o = interaction.options;
    if (sub === "set-setting") {
      const key = o.getString("key", true);
      const value = parseSettingValue(key, o.getString("value", true));
      if (!value.ok) return replyError(interaction, `That set-setting request is not valid: ${value.error}`);
      return submitRecipe({ kind: "set-setting", key, value: value.value });
    }
    const raw =
      sub === "add-command"
        ? { kind: sub, name: o.getString("name", true), description: o.getString("description", true), reply: o.getString("reply", true) }
        : sub === "add-responder"
          ? { kind: sub, name: o.getString("name", true), trigger: o.getString("trigger", true), reply: o.getString("reply", true) }
          : { kind: sub };
    return submitRecipe(raw);

    /** Validated with the one recipe schema (contract/recipe.ts) before anything is sent. */
    async function submitRecipe(raw: unknown) {
      const parsed = recipeSchema.safeParse(raw);
      if (!parsed.success) return replyError(interaction, `That ${sub} request is not valid:\n${z.prettifyError(parsed.error)}`);
      const recipe: Recipe = parsed.data;
      return startFeatureRequest(interaction, ctx, describeRecipe(recipe), recipe);
    }
  },
};
