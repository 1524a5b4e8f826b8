// Typed constructors for every payload the stand-in sends: the compiler checks each against
// discord-api-types/v10, so a missing required field is a type error, not a surprise in discord.js.
import {
  ApplicationFlags,
  ChannelType,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildHubType,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  GuildSystemChannelFlags,
  GuildVerificationLevel,
  InteractionContextType,
  Locale,
  ApplicationIntegrationType,
} from "discord-api-types/v10";
import type {
  APIApplication,
  APIChannel,
  APIGuild,
  APIGuildMember,
  APIInteractionGuildMember,
  APIRole,
  APIThreadChannel,
  APIUser,
  GatewayGuildCreateDispatchData,
  GatewayReadyDispatchData,
  RESTGetAPIGatewayBotResult,
  APIDMChannel,
  APITextChannel,
  APIGuildCategoryChannel,
  APIThreadMember,
  UserFlags,
  RoleFlags,
  GuildMemberFlags,
  ChannelFlags,
  ThreadMemberFlags,
} from "discord-api-types/v10";
import type { ChannelRec, GuildRec, MemberRec, RoleRec, Store, UserRec } from "./store.ts";
import { memberPermissions } from "./permissions.ts";

export function userPayload(u: UserRec): APIUser {
  return {
    id: u.id,
    username: u.username,
    discriminator: "0",
    global_name: u.global_name,
    avatar: null,
    ...(u.bot ? { bot: true } : {}),
    public_flags: 0 as UserFlags,
    flags: 0 as UserFlags,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
  };
}

export function rolePayload(r: RoleRec): APIRole {
  return {
    id: r.id,
    name: r.name,
    color: r.color,
    colors: { primary_color: r.color, secondary_color: null, tertiary_color: null },
    hoist: r.hoist,
    icon: null,
    unicode_emoji: null,
    position: r.position,
    permissions: r.permissions,
    managed: false,
    mentionable: r.mentionable,
    flags: 0 as RoleFlags,
  };
}

export function memberPayload(store: Store, m: MemberRec): APIGuildMember {
  const user = store.users.get(m.user_id);
  if (!user) throw new Error(`member ${m.user_id} has no user record`);
  return {
    user: userPayload(user),
    nick: m.nick,
    avatar: null,
    banner: null,
    roles: m.roles,
    joined_at: m.joined_at,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  };
}

export function interactionMemberPayload(store: Store, guild: GuildRec, m: MemberRec): APIInteractionGuildMember {
  return {
    ...memberPayload(store, m),
    user: userPayload(store.users.get(m.user_id)!),
    permissions: memberPermissions(guild, m.user_id).toString(),
  };
}

export function channelPayload(store: Store, c: ChannelRec): APIChannel {
  switch (c.type) {
    case ChannelType.DM: {
      const dm: APIDMChannel = {
        id: c.id,
        type: ChannelType.DM,
        last_message_id: c.last_message_id,
        recipients: (c.recipient_ids ?? []).map((id) => userPayload(store.users.get(id)!)),
        flags: 0 as ChannelFlags,
        name: null,
      };
      return dm;
    }
    case ChannelType.GuildCategory: {
      const cat: APIGuildCategoryChannel = {
        id: c.id,
        type: ChannelType.GuildCategory,
        guild_id: c.guild_id,
        name: c.name ?? "category",
        position: c.position ?? 0,
        permission_overwrites: [],
        parent_id: null,
        nsfw: false,
        flags: 0 as ChannelFlags,
      };
      return cat;
    }
    case ChannelType.PublicThread:
    case ChannelType.PrivateThread:
    case ChannelType.AnnouncementThread: {
      const meta = c.thread_metadata!;
      const thread: APIThreadChannel = {
        id: c.id,
        type: c.type,
        guild_id: c.guild_id,
        name: c.name ?? "thread",
        parent_id: c.parent_id ?? undefined,
        owner_id: c.owner_id ?? undefined,
        last_message_id: c.last_message_id,
        message_count: c.message_count,
        total_message_sent: c.message_count,
        member_count: 1,
        rate_limit_per_user: c.rate_limit_per_user ?? 0,
        thread_metadata: { ...meta },
        flags: 0 as ChannelFlags,
        nsfw: false,
        applied_tags: [],
      };
      return thread;
    }
    default: {
      const text: APITextChannel = {
        id: c.id,
        type: ChannelType.GuildText,
        guild_id: c.guild_id,
        name: c.name ?? "channel",
        topic: c.topic ?? null,
        position: c.position ?? 0,
        permission_overwrites: [],
        parent_id: c.parent_id ?? null,
        last_message_id: c.last_message_id,
        rate_limit_per_user: c.rate_limit_per_user ?? 0,
        nsfw: false,
        flags: 0 as ChannelFlags,
        last_pin_timestamp: null,
        default_thread_rate_limit_per_user: 0,
        default_auto_archive_duration: 1440 as const,
      };
      return text;
    }
  }
}

export function threadMemberPayload(thread: ChannelRec, userId: string): APIThreadMember {
  return {
    id: thread.id,
    user_id: userId,
    join_timestamp: thread.thread_metadata?.create_timestamp ?? new Date().toISOString(),
    flags: 0 as ThreadMemberFlags,
  };
}

export function guildPayload(g: GuildRec): APIGuild {
  return {
    id: g.id,
    name: g.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: g.owner_id,
    region: "",
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: GuildVerificationLevel.None,
    default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.Disabled,
    roles: g.roles.map(rolePayload),
    emojis: [],
    features: [],
    mfa_level: GuildMFALevel.None,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: GuildSystemChannelFlags.SuppressJoinNotifications,
    rules_channel_id: null,
    max_presences: null,
    max_members: 500000,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: GuildPremiumTier.None,
    premium_subscription_count: 0,
    preferred_locale: Locale.EnglishUS,
    public_updates_channel_id: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    approximate_member_count: Object.keys(g.members).length,
    approximate_presence_count: 0,
    nsfw_level: GuildNSFWLevel.Default,
    stickers: [],
    premium_progress_bar_enabled: false,
    hub_type: null as GuildHubType | null,
    safety_alerts_channel_id: null,
    incidents_data: null,
  };
}

export function guildChannels(store: Store, guildId: string): ChannelRec[] {
  return [...store.channels.values()].filter((c) => c.guild_id === guildId);
}

export function guildCreatePayload(store: Store, g: GuildRec): GatewayGuildCreateDispatchData {
  const channels = guildChannels(store, g.id);
  const botMember = g.members[store.botUserId];
  return {
    ...guildPayload(g),
    joined_at: botMember?.joined_at ?? new Date().toISOString(),
    large: false,
    unavailable: false,
    member_count: Object.keys(g.members).length,
    voice_states: [],
    members: Object.values(g.members).map((m) => memberPayload(store, m)),
    channels: channels.filter((c) => !c.thread_metadata).map((c) => channelPayload(store, c)) as GatewayGuildCreateDispatchData["channels"],
    threads: channels
      .filter((c) => c.thread_metadata && !c.thread_metadata.archived)
      .map((c) => channelPayload(store, c)) as GatewayGuildCreateDispatchData["threads"],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function readyPayload(
  store: Store,
  sessionId: string,
  resumeUrl: string,
  shard: [number, number],
  guildIds: string[],
): GatewayReadyDispatchData {
  return {
    v: 10,
    user: userPayload(store.users.get(store.botUserId)!),
    guilds: guildIds.map((id) => ({ id, unavailable: true })),
    session_id: sessionId,
    resume_gateway_url: resumeUrl,
    shard,
    application: { id: store.applicationId, flags: APPLICATION_FLAGS, flags_new: String(APPLICATION_FLAGS) },
  };
}

const APPLICATION_FLAGS =
  ApplicationFlags.GatewayMessageContentLimited | ApplicationFlags.GatewayGuildMembersLimited | ApplicationFlags.ApplicationCommandBadge;

export function applicationPayload(store: Store): APIApplication {
  const bot = userPayload(store.users.get(store.botUserId)!);
  return {
    id: store.applicationId,
    name: bot.username,
    icon: null,
    description: "Ouro (local Discord stand-in)",
    bot_public: false,
    bot_require_code_grant: false,
    bot,
    summary: "",
    verify_key: "0".repeat(64),
    team: null,
    flags: APPLICATION_FLAGS,
    flags_new: String(APPLICATION_FLAGS),
    integration_types_config: { [ApplicationIntegrationType.GuildInstall]: {} },
    interactions_endpoint_url: null,
  };
}

export function gatewayBotPayload(url: string, shards: number): RESTGetAPIGatewayBotResult {
  return {
    url,
    shards,
    session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
  };
}

export const GUILD_CONTEXT = InteractionContextType.Guild;
export const DM_CONTEXT = InteractionContextType.BotDM;
