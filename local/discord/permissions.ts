// Permission bitfields as Discord computes them for a member: @everyone | roles; ADMINISTRATOR = all.
import { PermissionFlagsBits } from "discord-api-types/v10";
import type { GuildRec } from "./store.ts";

export const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((a, b) => a | b, 0n);

/** What @everyone may do in a freshly seeded guild (roughly Discord's default). */
export const DEFAULT_EVERYONE = [
  PermissionFlagsBits.ViewChannel,
  PermissionFlagsBits.SendMessages,
  PermissionFlagsBits.SendMessagesInThreads,
  PermissionFlagsBits.CreatePublicThreads,
  PermissionFlagsBits.EmbedLinks,
  PermissionFlagsBits.AttachFiles,
  PermissionFlagsBits.ReadMessageHistory,
  PermissionFlagsBits.AddReactions,
  PermissionFlagsBits.UseApplicationCommands,
  PermissionFlagsBits.ChangeNickname,
].reduce((a, b) => a | b, 0n);

export function memberPermissions(guild: GuildRec, userId: string): bigint {
  if (guild.owner_id === userId) return ALL_PERMISSIONS;
  const member = guild.members[userId];
  let perms = BigInt(guild.roles[0]?.permissions ?? "0");
  for (const role of guild.roles) if (member?.roles.includes(role.id)) perms |= BigInt(role.permissions);
  return perms & PermissionFlagsBits.Administrator ? ALL_PERMISSIONS : perms;
}

/** Accepts a bitfield (number/string) or permission names (`["ManageGuild"]`). */
export function parsePermissions(input: string | number | string[] | undefined): bigint {
  if (input === undefined) return 0n;
  if (Array.isArray(input)) {
    let bits = 0n;
    for (const name of input) {
      const bit = (PermissionFlagsBits as Record<string, bigint>)[name];
      if (bit === undefined) throw new Error(`unknown permission "${name}" (use names from PermissionFlagsBits, e.g. "ManageGuild")`);
      bits |= bit;
    }
    return bits;
  }
  return BigInt(input);
}
