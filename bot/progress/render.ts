// How a change's progress looks in its thread: one message, edited in place.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder } from "discord.js";
import type { ChangeState } from "../../contract/change-state.ts";
import type { ProgressEvent } from "../../contract/app-link.ts";

const STEPS: { state: ChangeState; label: string }[] = [
  { state: "queued", label: "Queued" },
  { state: "working", label: "Agent writing the change" },
  { state: "pr", label: "Pull request opened" },
  { state: "checks", label: "Checks running" },
  { state: "review", label: "Waiting for review" },
  { state: "merged", label: "Merged" },
  { state: "deployed", label: "Deployed" },
];
const COLOR: Partial<Record<ChangeState, number>> = { deployed: 0x2ecc71, failed: 0xe74c3c, "rolled-back": 0xe67e22 };

export const voteButtonId = (changeId: string, vote: "up" | "down") => `vote:${changeId}:${vote}`;
export const VOTE_BUTTON = /^vote:(.+):(up|down)$/;

/** Voting is open while the change waits on its PR (and until the app says its window has ended). */
const votingOpen = (s: ChangeState) => s === "pr" || s === "checks" || s === "review";

export interface ProgressView {
  embeds: EmbedBuilder[];
  components: ActionRowBuilder<ButtonBuilder>[];
}

export function renderProgress(changeId: string, title: string, event: ProgressEvent | undefined): ProgressView {
  const state = event?.state ?? "queued";
  const reached = STEPS.findIndex((s) => s.state === state);
  const lines = STEPS.map((s, i) => {
    if (state === "failed" || state === "rolled-back") return i === 0 ? `✅ ${s.label}` : null;
    const mark = i < reached || state === "deployed" ? "✅" : i === reached ? "⏳" : "▫️";
    return `${mark} ${s.label}`;
  }).filter(Boolean);
  if (state === "failed") lines.push("❌ Failed");
  if (state === "rolled-back") lines.push("↩️ Rolled back");
  const embed = new EmbedBuilder()
    .setTitle(`Change ${changeId}`)
    .setDescription([title.slice(0, 300), "", ...lines].join("\n"))
    .setColor(COLOR[state] ?? 0x5865f2);
  if (event?.message) embed.addFields({ name: "Latest", value: event.message.slice(0, 1000) });
  if (event?.risk) embed.addFields({ name: "Risk", value: event.risk, inline: true });
  if (event?.votes)
    embed.addFields({
      name: "Votes",
      value: `👍 ${event.votes.up} · 👎 ${event.votes.down} · needed ${event.votes.needed}${event.votes.closed ? " · voting closed" : ""}`,
      inline: true,
    });
  if (event?.at) embed.setTimestamp(new Date(event.at));

  const rows: ActionRowBuilder<ButtonBuilder>[] = [];
  const links = new ActionRowBuilder<ButtonBuilder>();
  if (event?.prUrl) links.addComponents(new ButtonBuilder().setStyle(ButtonStyle.Link).setLabel("Pull request").setURL(event.prUrl));
  if (event?.trackingIssueUrl)
    links.addComponents(new ButtonBuilder().setStyle(ButtonStyle.Link).setLabel("Tracking issue").setURL(event.trackingIssueUrl));
  if (links.components.length) rows.push(links);
  if (event?.votes && event.votes.needed > 0 && !event.votes.closed && votingOpen(state)) {
    rows.push(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId(voteButtonId(changeId, "up")).setStyle(ButtonStyle.Success).setLabel(`👍 ${event.votes.up}`),
        new ButtonBuilder().setCustomId(voteButtonId(changeId, "down")).setStyle(ButtonStyle.Danger).setLabel(`👎 ${event.votes.down}`),
      ),
    );
  }
  return { embeds: [embed], components: rows };
}
