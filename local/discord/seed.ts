// Seeding: a guild with channels, roles and users (members with roles). The bot is a member with an admin role.
import { ChannelType, PermissionFlagsBits } from "discord-api-types/v10";
import { z } from "zod";
import type { ChannelRec, GuildRec, RoleRec, Store, UserRec } from "./store.ts";
import { DEFAULT_EVERYONE, parsePermissions } from "./permissions.ts";

const permissionsInput = z.union([z.string(), z.number(), z.array(z.string())]);
export const seedSpec = z.object({
  guild: z.object({ name: z.string().min(2).max(100) }).default({ name: "Ouro Local" }),
  channels: z.array(z.union([z.string(), z.object({ name: z.string(), topic: z.string().optional() })])).default(["general", "requests"]),
  roles: z
    .array(z.union([z.string(), z.object({ name: z.string(), permissions: permissionsInput.optional() })]))
    .default([
      { name: "admin", permissions: ["Administrator"] },
      { name: "maintainer", permissions: ["ManageMessages", "ManageThreads"] },
      "member",
    ]),
  users: z
    .array(z.union([z.string(), z.object({ name: z.string(), roles: z.array(z.string()).default([]), globalName: z.string().optional() })]))
    .default([
      { name: "alice", roles: ["member"] },
      { name: "bob", roles: ["member"] },
      { name: "admin", roles: ["admin"] },
    ]),
});
export type SeedSpec = z.input<typeof seedSpec>;

/** What a test needs to address the seeded guild: ids by name. */
export interface GuildView {
  id: string;
  name: string;
  channels: Record<string, string>;
  roles: Record<string, string>;
  users: Record<string, string>;
}

export function guildView(store: Store, guildId: string): GuildView {
  const g = store.guilds.get(guildId);
  if (!g) throw new Error(`no guild ${guildId}`);
  const channels: Record<string, string> = {};
  for (const c of store.channels.values()) if (c.guild_id === g.id && c.name) channels[c.name] ??= c.id;
  const roles: Record<string, string> = {};
  for (const r of g.roles) roles[r.name] = r.id;
  const users: Record<string, string> = {};
  for (const uid of Object.keys(g.members)) {
    const u = store.users.get(uid);
    if (u && !u.bot) users[u.username] = u.id;
  }
  return { id: g.id, name: g.name, channels, roles, users };
}

export function createUser(store: Store, name: string, globalName?: string): UserRec {
  if (!/^[a-z0-9_.]{2,32}$/.test(name)) throw new Error(`invalid username "${name}": 2–32 of a-z, 0-9, "_" and "."`);
  if ([...store.users.values()].some((u) => u.username === name)) throw new Error(`a user named "${name}" already exists`);
  const user: UserRec = { id: store.ids.next(), username: name, global_name: globalName ?? null, bot: false };
  store.users.set(user.id, user);
  store.changed();
  return user;
}

export function createGuild(store: Store, name: string): GuildRec {
  const id = store.ids.next();
  const everyone: RoleRec = {
    id,
    name: "@everyone",
    permissions: DEFAULT_EVERYONE.toString(),
    position: 0,
    color: 0,
    hoist: false,
    mentionable: false,
  };
  const botRole: RoleRec = {
    id: store.ids.next(),
    name: "Ouro",
    permissions: PermissionFlagsBits.Administrator.toString(),
    position: 1,
    color: 0,
    hoist: false,
    mentionable: false,
  };
  const guild: GuildRec = { id, name, owner_id: "", roles: [everyone, botRole], members: {} };
  store.guilds.set(id, guild);
  guild.members[store.botUserId] = { user_id: store.botUserId, roles: [botRole.id], joined_at: new Date().toISOString(), nick: null };
  store.changed();
  return guild;
}

export function createRole(store: Store, guild: GuildRec, name: string, permissions?: string | number | string[]): RoleRec {
  if (guild.roles.some((r) => r.name === name)) throw new Error(`role "${name}" already exists in ${guild.name}`);
  const role: RoleRec = {
    id: store.ids.next(),
    name,
    permissions: parsePermissions(permissions).toString(),
    position: guild.roles.length,
    color: 0,
    hoist: false,
    mentionable: true,
  };
  guild.roles.push(role);
  store.changed();
  return role;
}

export function createChannel(
  store: Store,
  guild: GuildRec,
  name: string,
  opts: { topic?: string; type?: ChannelType.GuildText | ChannelType.GuildCategory; parentId?: string } = {},
): ChannelRec {
  if (!/^[a-z0-9_-]{1,100}$/.test(name)) throw new Error(`invalid channel name "${name}": lowercase letters, digits, "-" and "_"`);
  const position = [...store.channels.values()].filter((c) => c.guild_id === guild.id).length;
  const ch: ChannelRec = {
    id: store.ids.next(),
    type: opts.type ?? ChannelType.GuildText,
    guild_id: guild.id,
    name,
    topic: opts.topic ?? null,
    position,
    parent_id: opts.parentId ?? null,
    last_message_id: null,
    message_count: 0,
    rate_limit_per_user: 0,
  };
  store.channels.set(ch.id, ch);
  store.changed();
  return ch;
}

export function addMember(store: Store, guild: GuildRec, user: UserRec, roleNamesOrIds: string[] = []): void {
  const roles = roleNamesOrIds.map((r) => {
    const role = guild.roles.find((x) => x.id === r || x.name === r);
    if (!role || role.id === guild.id)
      throw new Error(
        `unknown role "${r}" in ${guild.name} (has: ${guild.roles
          .slice(1)
          .map((x) => x.name)
          .join(", ")})`,
      );
    return role.id;
  });
  const existing = guild.members[user.id];
  if (existing) existing.roles = roles;
  else guild.members[user.id] = { user_id: user.id, roles, joined_at: new Date().toISOString(), nick: null };
  store.changed();
}

export function seed(store: Store, input: SeedSpec = {}): GuildRec {
  const spec = seedSpec.parse(input);
  const guild = createGuild(store, spec.guild.name);
  for (const c of spec.channels) {
    if (typeof c === "string") createChannel(store, guild, c);
    else createChannel(store, guild, c.name, { topic: c.topic });
  }
  for (const r of spec.roles) {
    if (typeof r === "string") createRole(store, guild, r);
    else createRole(store, guild, r.name, r.permissions);
  }
  for (const u of spec.users) {
    const { name, roles, globalName } = typeof u === "string" ? { name: u, roles: [], globalName: undefined } : u;
    // Users are global on Discord: a second guild reuses them by name.
    const user = [...store.users.values()].find((x) => x.username === name && !x.bot) ?? createUser(store, name, globalName);
    addMember(store, guild, user, roles);
  }
  // The first seeded user with the admin role owns the guild (owners have every permission).
  guild.owner_id =
    Object.values(guild.members).find(
      (m) => m.user_id !== store.botUserId && m.roles.some((r) => guild.roles.find((x) => x.id === r)?.name === "admin"),
    )?.user_id ?? store.botUserId;
  store.changed();
  return guild;
}
