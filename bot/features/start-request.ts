// One change request from Discord: ask the app, announce it in the channel, open a thread
// on the announcement and put the live progress message in it. Used by /feature and by
// the "request this feature" button the conversation offers. A request that joined a change
// already open (the app found it asks for the same) points at that change's progress message
// when this bot shows one, instead of a second thread that would take its updates away.
import { ChannelType, ThreadAutoArchiveDuration, type ButtonInteraction, type ChatInputCommandInteraction } from "discord.js";
import type { BotContext } from "../core/context.ts";
import type { Recipe } from "../../contract/recipe.ts";
import { actorOf } from "../core/actor.ts";
import { renderProgress } from "../progress/render.ts";
import { deferIfSlow } from "../core/defer-if-slow.ts";

export function describeRecipe(recipe: Recipe): string {
  switch (recipe.kind) {
    case "add-command":
      return `Add a /${recipe.name} command (“${recipe.description}”) that replies: ${recipe.reply ?? `an embed titled “${recipe.embed?.title}”`}`;
    case "add-responder":
      return `Add an auto-response “${recipe.name}”: when a message contains “${recipe.trigger}”, reply: ${recipe.reply}`;
    case "set-setting":
      return `Set the bot setting ${recipe.key} to ${String(recipe.value)}`;
  }
}

export async function startFeatureRequest(
  interaction: ChatInputCommandInteraction | ButtonInteraction,
  ctx: BotContext,
  text: string,
  recipe?: Recipe,
): Promise<{ changeId: string; threadId?: string }> {
  const submitting = ctx.appLink.submitRequest({
    id: `discord-${interaction.id}`,
    requester: actorOf(interaction, ctx.config.rolesGuildId),
    text,
    recipe,
    origin: { guildId: interaction.guildId ?? undefined, channelId: interaction.channelId ?? "dm" },
  });
  const { changeId, trackingIssueUrl, joined } = await deferIfSlow(interaction, submitting);
  const answer = (content: string) =>
    interaction.deferred
      ? interaction.editReply({ content, allowedMentions: { parse: [] } })
      : interaction.reply({ content, allowedMentions: { parse: [] }, withResponse: true }).then((r) => r.resource?.message);
  const shown = joined ? ctx.memory.progressMessage(changeId) : undefined;
  if (shown) {
    const link = `https://discord.com/channels/${shown.guildId ?? "@me"}/${shown.channelId}/${shown.messageId}`;
    await answer(
      [
        `🔁 <@${interaction.user.id}>, this asks for the same as change \`${changeId}\`, already under way: follow it there — ${link}`,
        trackingIssueUrl ? `Tracking issue: <${trackingIssueUrl}>` : "",
      ]
        .filter(Boolean)
        .join("\n"),
    );
    return { changeId };
  }
  const title = text.length > 80 ? `${text.slice(0, 77)}…` : text;
  const announcement = [
    `📝 **Feature request** from <@${interaction.user.id}> — change \`${changeId}\`${joined ? " (the same as a request already open: this joins it)" : ""}`,
    `> ${text.replace(/\n/g, "\n> ").slice(0, 1500)}`,
    trackingIssueUrl ? `Tracking issue: <${trackingIssueUrl}>` : "",
  ]
    .filter(Boolean)
    .join("\n");
  const message = await answer(announcement);
  const initial = renderProgress(
    changeId,
    text,
    trackingIssueUrl ? { changeId, state: "queued", at: new Date().toISOString(), trackingIssueUrl } : undefined,
  );

  // In a guild text channel: a thread on the announcement. In a thread or another channel
  // that cannot hold one: progress right there. In DMs: in the DM.
  const channel = interaction.channel;
  if (message && channel && (channel.type === ChannelType.GuildText || channel.type === ChannelType.GuildAnnouncement)) {
    try {
      const thread = await message.startThread({
        name: `change ${changeId}: ${title}`.slice(0, 100),
        autoArchiveDuration: ThreadAutoArchiveDuration.OneWeek,
      });
      const progress = await thread.send(initial);
      await ctx.progress.register(
        changeId,
        text,
        { guildId: interaction.guildId ?? undefined, channelId: thread.id, messageId: progress.id },
        trackingIssueUrl,
      );
      return { changeId, threadId: thread.id };
    } catch (err) {
      // e.g. no "Create Public Threads" permission: the request stands, show progress in the channel.
      ctx.log.warn({ err, changeId }, "could not open a thread for the request");
    }
  }
  const target = channel?.isSendable() ? channel : await interaction.user.createDM();
  const progress = await target.send(initial);
  await ctx.progress.register(
    changeId,
    text,
    { guildId: target.isDMBased() ? undefined : (interaction.guildId ?? undefined), channelId: target.id, messageId: progress.id },
    trackingIssueUrl,
  );
  return { changeId };
}
