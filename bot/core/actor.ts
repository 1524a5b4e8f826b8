// Who is acting: the Discord user with their role names in the configured guild. Role names
// count only there: the same name in any other guild (which anyone can create) grants nothing.
import { GuildMember, type Interaction } from "discord.js";
import type { Actor } from "../../contract/app-link.ts";

export function memberRoleNames(interaction: Interaction, rolesGuildId: string | undefined): string[] {
  const member = interaction.member;
  if (!member || !rolesGuildId || interaction.guildId !== rolesGuildId) return [];
  if (member instanceof GuildMember) return member.roles.cache.filter((r) => r.id !== r.guild.id).map((r) => r.name);
  // An uncached member arrives as the API shape: role ids only.
  const roles = interaction.guild?.roles.cache;
  return member.roles.map((id) => roles?.get(id)?.name).filter((n): n is string => Boolean(n));
}

export function actorOf(interaction: Interaction, rolesGuildId: string | undefined): Actor {
  return { discordId: interaction.user.id, name: interaction.user.username, roles: memberRoleNames(interaction, rolesGuildId) };
}
