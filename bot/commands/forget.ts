// /forget: delete every row stored about the caller (profile, preferences, history, summaries,
// offers), and ask the Ouro app to erase what it keeps about them (their requests' texts and
// ids, audit entries about them, their votes' link to them, their GitHub link).
import { MessageFlags, SlashCommandBuilder } from "discord.js";
import type { ForgetResult } from "../../contract/app-link.ts";
import { actorOf } from "../core/actor.ts";
import type { CoreCommand } from "../core/command.ts";
import { DEFER_AFTER_MS, deferIfSlow } from "../core/defer-if-slow.ts";

export const data = new SlashCommandBuilder().setName("forget").setDescription("Delete everything Ouro stores about you");

/** What the app erased, in words (or why it could not be asked). */
function appPart(app: { ok: true; erased: ForgetResult } | { ok: false; why: string }): string {
  if (!app.ok) return `⚠️ The Ouro app could not be reached to erase your requests there (${app.why}); run /forget again later.`;
  const { changes, open, auditEntries, votes, links } = app.erased;
  const done =
    changes + auditEntries + votes + links === 0
      ? "The Ouro app had nothing of yours to erase."
      : `The Ouro app erased your request texts and ids (changes: ${changes}, audit entries: ${auditEntries}, votes: ${votes}, GitHub links: ${links}); their states, times and PR numbers stay.`;
  return open > 0
    ? `${done} ${open} of your changes ${open === 1 ? "is" : "are"} still open and keep${open === 1 ? "s" : ""} your request until done — run /forget again then.`
    : done;
}

export const command: CoreCommand = {
  data,
  async execute(interaction, ctx) {
    const deleted = ctx.memory.forget(interaction.user.id);
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    const detail = Object.entries(deleted)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => `${t.replace(/_/g, " ")}: ${n}`)
      .join(", ");
    const app = await deferIfSlow(
      interaction,
      ctx.appLink.forget(actorOf(interaction, ctx.config.rolesGuildId)).then(
        (erased) => ({ ok: true as const, erased }),
        (e: unknown) => ({ ok: false as const, why: e instanceof Error ? e.message : String(e) }),
      ),
      DEFER_AFTER_MS,
      { ephemeral: true },
    );
    const content = [
      total === 0 ? "I had nothing stored about you." : `🧹 Done — I deleted everything I stored about you (${total} records: ${detail}).`,
      appPart(app),
    ].join("\n");
    if (interaction.deferred) await interaction.editReply({ content });
    else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  },
};
