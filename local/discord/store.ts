// In-memory state of the Discord stand-in, persisted as one JSON file in `dataDir`
// (written atomically: temp file + rename, batched per tick) so a restart keeps it.
import { EventEmitter } from "node:events";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { APIApplicationCommand, APIMessage, ChannelType } from "discord-api-types/v10";
import { Snowflakes } from "./snowflake.ts";

export interface UserRec {
  id: string;
  username: string;
  global_name: string | null;
  bot: boolean;
}
export interface RoleRec {
  id: string;
  name: string;
  /** Permission bitfield as a decimal string, as Discord sends it. */
  permissions: string;
  position: number;
  color: number;
  hoist: boolean;
  mentionable: boolean;
}
export interface MemberRec {
  user_id: string;
  roles: string[];
  joined_at: string;
  nick: string | null;
}
export interface GuildRec {
  id: string;
  name: string;
  owner_id: string;
  /** The first role is @everyone (its id is the guild id). */
  roles: RoleRec[];
  members: Record<string, MemberRec>;
}
export interface ThreadMeta {
  archived: boolean;
  auto_archive_duration: 60 | 1440 | 4320 | 10080;
  archive_timestamp: string;
  locked: boolean;
  invitable?: boolean;
  create_timestamp: string;
}
export interface ChannelRec {
  id: string;
  type: ChannelType;
  guild_id?: string;
  name?: string;
  topic?: string | null;
  position?: number;
  parent_id?: string | null;
  /** Thread creator. */
  owner_id?: string;
  /** DM recipients (user ids other than the bot). */
  recipient_ids?: string[];
  thread_metadata?: ThreadMeta;
  last_message_id: string | null;
  message_count: number;
  rate_limit_per_user?: number;
}
/** A message as stored: the REST shape plus the guild it belongs to (gateway payloads carry it). */
export type MessageRec = APIMessage & { guild_id?: string };

export interface InteractionRec {
  id: string;
  token: string;
  type: number;
  guild_id?: string;
  channel_id: string;
  user_id: string;
  created_at: number;
  /** Callback type once acknowledged (4 reply, 5 defer, 6 deferred update, 7 update, 9 modal). */
  callback_type?: number;
  /** When (ms) the callback was accepted. */
  callback_at?: number;
  /** When (ms) the bot first tried a callback after the window (3 s) and was refused: Discord's user saw "did not respond". */
  late_callback_at?: number;
  /** The message `@original` refers to: the reply, or for 6/7 the component's message. */
  original_message_id?: string;
  /** For component interactions: the message holding the component. */
  source_message_id?: string;
  followup_ids: string[];
  /** The modal the bot showed (callback 9), for the user to submit. */
  modal?: Record<string, unknown>;
  /** For application commands: the command's name (for `message.interaction.name`). */
  command_name?: string;
}

const stateSchema = z.object({
  version: z.literal(1),
  botToken: z.string(),
  applicationId: z.string(),
  botUserId: z.string(),
  users: z.record(z.string(), z.any()),
  guilds: z.record(z.string(), z.any()),
  channels: z.record(z.string(), z.any()),
  messages: z.record(z.string(), z.any()),
  channelMessages: z.record(z.string(), z.array(z.string())),
  attachments: z.record(z.string(), z.string()),
  globalCommands: z.array(z.any()),
  guildCommands: z.record(z.string(), z.array(z.any())),
  interactions: z.record(z.string(), z.any()),
  dmChannels: z.record(z.string(), z.string()),
  reactions: z.record(z.string(), z.record(z.string(), z.array(z.string()))).default({}),
});
export type PersistedState = z.infer<typeof stateSchema>;

export interface StoreEvents {
  "message:create": [MessageRec];
  "message:update": [MessageRec];
  "message:delete": [MessageRec];
  "thread:create": [ChannelRec];
  "channel:update": [ChannelRec];
  reaction: [{ messageId: string; userId: string; emoji: string; added: boolean }];
  /** The stand-in is shutting down (pending waits reject). */
  closed: [];
  /** An interaction got a callback, an @original edit or a follow-up. */
  interaction: [InteractionRec, InteractionEvent];
}
export interface InteractionEvent {
  kind: "callback" | "original-edit" | "original-delete" | "followup" | "followup-edit";
  callbackType?: number;
  /** The message concerned, as now stored (absent for modal/autocomplete callbacks). */
  message?: MessageRec;
  /** The raw callback `data` (e.g. a modal's definition). */
  data?: unknown;
}

export class Store extends EventEmitter<StoreEvents> {
  readonly ids = new Snowflakes();
  botToken: string;
  applicationId: string;
  botUserId: string;
  users = new Map<string, UserRec>();
  guilds = new Map<string, GuildRec>();
  channels = new Map<string, ChannelRec>();
  messages = new Map<string, MessageRec>();
  channelMessages = new Map<string, string[]>();
  /** Attachment bytes by attachment id. */
  attachments = new Map<string, Buffer>();
  globalCommands: APIApplicationCommand[] = [];
  guildCommands = new Map<string, APIApplicationCommand[]>();
  interactions = new Map<string, InteractionRec>();
  interactionsByToken = new Map<string, InteractionRec>();
  /** DM channel id by recipient user id. */
  dmChannels = new Map<string, string>();
  /** Who reacted with what: message id → emoji key ("👍" or "name:id") → user ids. */
  reactions = new Map<string, Record<string, string[]>>();

  readonly #file: string | undefined;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(dataDir?: string) {
    super();
    this.setMaxListeners(0);
    this.#file = dataDir ? join(dataDir, "discord-state.json") : undefined;
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    this.applicationId = this.ids.next();
    this.botUserId = this.applicationId; // Discord bots' user id equals the application id
    this.botToken = makeToken(this.botUserId);
    if (this.#file && existsSync(this.#file)) this.#load(this.#file);
    else {
      this.users.set(this.botUserId, { id: this.botUserId, username: "Ouro", global_name: null, bot: true });
      this.changed();
    }
  }

  get persistent(): boolean {
    return this.#file !== undefined;
  }

  /** Marks the state dirty; bursts of changes are written once, within 50 ms (and on close). */
  changed(): void {
    if (!this.#file) return;
    this.#dirty = true;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, 50);
  }

  flush(): void {
    if (!this.#file || !this.#dirty) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dirty = false;
    const state: PersistedState = {
      version: 1,
      botToken: this.botToken,
      applicationId: this.applicationId,
      botUserId: this.botUserId,
      users: Object.fromEntries(this.users),
      guilds: Object.fromEntries(this.guilds),
      channels: Object.fromEntries(this.channels),
      messages: Object.fromEntries(this.messages),
      channelMessages: Object.fromEntries(this.channelMessages),
      attachments: Object.fromEntries([...this.attachments].map(([k, v]) => [k, v.toString("base64")])),
      globalCommands: this.globalCommands,
      guildCommands: Object.fromEntries(this.guildCommands),
      interactions: Object.fromEntries(this.interactions),
      dmChannels: Object.fromEntries(this.dmChannels),
      reactions: Object.fromEntries(this.reactions),
    };
    const tmp = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.#file);
  }

  #load(file: string): void {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new Error(`discord stand-in: ${file} is not valid JSON (${(err as Error).message}); move it away to start fresh`, {
        cause: err,
      });
    }
    const parsed = stateSchema.safeParse(json);
    if (!parsed.success) throw new Error(`discord stand-in: ${file} is not a valid state file: ${parsed.error.message}`);
    const s = parsed.data;
    this.botToken = s.botToken;
    this.applicationId = s.applicationId;
    this.botUserId = s.botUserId;
    this.users = new Map(Object.entries(s.users));
    this.guilds = new Map(Object.entries(s.guilds));
    this.channels = new Map(Object.entries(s.channels));
    this.messages = new Map(Object.entries(s.messages));
    this.channelMessages = new Map(Object.entries(s.channelMessages));
    this.attachments = new Map(Object.entries(s.attachments).map(([k, v]) => [k, Buffer.from(v, "base64")]));
    this.globalCommands = s.globalCommands;
    this.guildCommands = new Map(Object.entries(s.guildCommands));
    this.interactions = new Map(Object.entries(s.interactions));
    for (const i of this.interactions.values()) this.interactionsByToken.set(i.token, i);
    this.dmChannels = new Map(Object.entries(s.dmChannels));
    this.reactions = new Map(Object.entries(s.reactions));
    for (const map of [this.users, this.guilds, this.channels, this.messages, this.interactions] as Map<string, unknown>[]) {
      for (const id of map.keys()) if (/^\d+$/.test(id)) this.ids.observe(id);
    }
  }

  /** Guild commands first (they shadow global ones of the same name, as in the Discord client). */
  commandsFor(guildId: string | undefined): APIApplicationCommand[] {
    const guild = guildId ? (this.guildCommands.get(guildId) ?? []) : [];
    return [...guild, ...this.globalCommands];
  }
}

/** A bot token shaped like Discord's: base64(user id).timestamp.hmac-ish. */
function makeToken(userId: string): string {
  const rand = Buffer.from(crypto.getRandomValues(new Uint8Array(27))).toString("base64url");
  return `${Buffer.from(userId).toString("base64url")}.${Buffer.from(String(Date.now())).toString("base64url").slice(0, 6)}.${rand}`;
}
