// InteractionCreate: slash commands (core, then plugins) and buttons (votes, feature offers).
// Every failure ends in replyError; every interaction is counted and timed for /metrics.
import { Events, MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type Interaction } from "discord.js";
import { defineEvent } from "./event.ts";
import type { BotContext } from "../core/context.ts";
import { coreCommands } from "../commands/registry.ts";
import { replyError } from "../core/reply-error.ts";
import { actorOf, memberRoleNames } from "../core/actor.ts";
import { AppLinkError } from "../app-link/link.ts";
import { VOTE_BUTTON } from "../progress/render.ts";
import { OFFER_BUTTON } from "../conversation/offer.ts";
import { startFeatureRequest } from "../features/start-request.ts";

const core = new Map(coreCommands().map((c) => [c.data.name, c]));

/** What the user reads when a core command fails. */
function failureText(err: unknown): string {
  if (err instanceof AppLinkError) return `⚠️ ${err.message}`;
  return "⚠️ Something went wrong while running that command. It has been logged.";
}

async function chatCommand(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<string> {
  const name = interaction.commandName;
  const command = core.get(name);
  if (command) {
    if (command.capability && !ctx.permissions.allowed(command.capability, memberRoleNames(interaction, ctx.config.rolesGuildId))) {
      await replyError(interaction, ctx.permissions.denial(command.capability));
      return "denied";
    }
    try {
      await command.execute(interaction, ctx);
      return "ok";
    } catch (err) {
      ctx.log.error({ err, command: name }, "core command failed");
      if (!(err instanceof AppLinkError)) ctx.plugins.failures.core(`/${name}`, err instanceof Error ? err : new Error(String(err)));
      await replyError(interaction, failureText(err));
      return "error";
    }
  }
  // Not a core command: a plugin's, run in the sandboxed plugin host.
  return ctx.plugins.command(interaction);
}

async function button(interaction: ButtonInteraction, ctx: BotContext): Promise<string> {
  const vote = VOTE_BUTTON.exec(interaction.customId);
  if (vote) {
    if (!ctx.permissions.allowed("vote", memberRoleNames(interaction, ctx.config.rolesGuildId))) {
      await replyError(interaction, ctx.permissions.denial("vote"));
      return "denied";
    }
    // the app counts the vote and runs its merge gate before answering: defer, so a slow gate cannot outlast Discord's 3 s
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const r = await ctx.appLink.vote(vote[1], actorOf(interaction, ctx.config.rolesGuildId), vote[2] as "up" | "down");
    await interaction.editReply({
      content: `Vote recorded: ${vote[2] === "up" ? "👍" : "👎"} (now 👍 ${r.votes.up} · 👎 ${r.votes.down}, ${r.votes.needed} needed).`,
    });
    return "ok";
  }
  const offer = OFFER_BUTTON.exec(interaction.customId);
  if (offer) {
    if (!ctx.permissions.allowed("request", memberRoleNames(interaction, ctx.config.rolesGuildId))) {
      await replyError(interaction, ctx.permissions.denial("request"));
      return "denied";
    }
    const pending = ctx.memory.peekOffer(offer[1]);
    if (pending && pending.userId !== interaction.user.id) {
      await replyError(interaction, "Only the person who asked can send this request. Use /feature to ask for it yourself.");
      return "denied";
    }
    const taken = ctx.memory.takeOffer(offer[1]);
    if (!taken) {
      await replyError(interaction, "That suggestion was already sent or has expired.");
      return "stale";
    }
    await startFeatureRequest(interaction, ctx, taken.text);
    return "ok";
  }
  await replyError(interaction, "That button is no longer active.");
  return "unknown";
}

export const event = defineEvent({
  name: Events.InteractionCreate,
  async execute(ctx, interaction: Interaction) {
    // During a deploy the other release's process may own this one (core/handover-gate.ts).
    if (!ctx.handover.owns(interaction.id)) return;
    const started = performance.now();
    let label = "other";
    let outcome = "ignored";
    try {
      if (interaction.isChatInputCommand()) {
        label = interaction.commandName;
        outcome = await chatCommand(interaction, ctx);
      } else if (interaction.isButton()) {
        label = `button:${interaction.customId.split(":")[0]}`;
        outcome = await button(interaction, ctx);
      }
    } catch (err) {
      outcome = "error";
      ctx.log.error({ err, label }, "interaction failed");
      if (interaction.isRepliable()) await replyError(interaction, failureText(err));
    } finally {
      ctx.metrics.interactions.inc({ command: label, outcome });
      ctx.metrics.latency.observe({ command: label }, (performance.now() - started) / 1000);
    }
  },
});
