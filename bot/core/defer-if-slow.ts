// Discord wants a first answer to an interaction within 3 s of creating it. When the app is slow
// to answer, show "thinking…" (a deferred reply) meanwhile; the command then edits it with the
// answer. The wait counts from the interaction's creation (its snowflake's time), not from when
// this process heard of it: a shard whose event loop was busy, or a slow gateway, has already
// spent part of the 3 s, and then defers at once.
import { MessageFlags, type RepliableInteraction } from "discord.js";

/** This long after its creation without an answer from the app, the interaction is deferred. */
export const DEFER_AFTER_MS = 1000;

/** Resolves with `work`; defers the interaction first when `work` is not done `ms` after the interaction was created. */
export async function deferIfSlow<T>(
  interaction: RepliableInteraction,
  work: Promise<T>,
  ms = DEFER_AFTER_MS,
  opts: { ephemeral?: boolean } = {},
): Promise<T> {
  work.catch(() => {}); // awaited below; a failure before the deadline must not go unhandled
  let timer: NodeJS.Timeout | undefined;
  const quick = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<false>((r) => (timer = setTimeout(() => r(false), waitFor(interaction, ms)))),
  ]);
  clearTimeout(timer);
  if (!quick && !interaction.deferred && !interaction.replied)
    await interaction.deferReply(opts.ephemeral ? { flags: MessageFlags.Ephemeral } : {});
  return work;
}

/** What is left of `ms` since the interaction's creation: never more than `ms` (a clock behind Discord's), never less than 0. */
function waitFor(interaction: RepliableInteraction, ms: number): number {
  return Math.min(ms, Math.max(0, interaction.createdTimestamp + ms - Date.now()));
}
