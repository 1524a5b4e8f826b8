// Discord wants a first answer to an interaction within 3 s. When the app is slow to answer,
// show "thinking…" (a deferred reply) meanwhile; the command then edits it with the answer.
import { MessageFlags, type RepliableInteraction } from "discord.js";

/** After this long without an answer from the app, the interaction is deferred. */
export const DEFER_AFTER_MS = 1000;

/** Resolves with `work`; defers the interaction first when `work` takes longer than `ms`. */
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
    new Promise<false>((r) => (timer = setTimeout(() => r(false), ms))),
  ]);
  clearTimeout(timer);
  if (!quick && !interaction.deferred && !interaction.replied)
    await interaction.deferReply(opts.ephemeral ? { flags: MessageFlags.Ephemeral } : {});
  return work;
}
