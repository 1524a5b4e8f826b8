// The test/local-mode driver: acts as Discord users (run a slash command, click a button, say something)
// and awaits what the bot does (reply, follow-ups, edits, messages, threads). Every await has a timeout
// whose error says what was awaited and what happened instead.
import { ChannelType, ComponentType, GatewayDispatchEvents, MessageFlags, PermissionFlagsBits } from "discord-api-types/v10";
import type { APIApplicationCommand } from "discord-api-types/v10";
import type { ChannelRec, GuildRec, InteractionRec, MessageRec, RoleRec, Store, UserRec } from "./store.ts";
import type { Gateway } from "./gateway.ts";
import type { InteractionCtx, OptionValue } from "./interactions.ts";
import {
  createAutocompleteInteraction,
  createButtonInteraction,
  createCommandInteraction,
  createModalSubmitInteraction,
  createSelectInteraction,
} from "./interactions.ts";
import { react } from "./reactions.ts";
import { createMessage, deleteMessage, editMessage, isThread } from "./messages.ts";
import { openDm } from "./dm.ts";
import { addMember, createChannel, createRole, createUser, guildView, seed } from "./seed.ts";
import type { GuildView, SeedSpec } from "./seed.ts";
import type { RateLimiter, RateLimitInjection } from "./ratelimit.ts";
import { Intents } from "./intents.ts";
import { channelPayload, guildCreatePayload, memberPayload, rolePayload } from "./payloads.ts";
import { memberPermissions } from "./permissions.ts";
import { DEFAULT_TIMEOUT_MS, until } from "./wait.ts";
import type { WaitOptions } from "./wait.ts";
import { InteractionHandle } from "./interaction-handle.ts";

export { DEFAULT_TIMEOUT_MS, InteractionHandle };
export type { WaitOptions };

/** A user reference: username or id. A channel reference: id, name (in the guild), or `"dm"` (the user's DM with the bot). */
export interface RunCommandInput extends WaitOptions {
  user: string;
  guild?: string;
  channel: string;
  name: string;
  /** "sub" or "group sub". */
  subcommand?: string;
  options?: Record<string, OptionValue>;
}

export class Driver {
  readonly #ctx: InteractionCtx;
  readonly #limiter: RateLimiter;
  constructor(ctx: InteractionCtx, limiter: RateLimiter) {
    this.#ctx = ctx;
    this.#limiter = limiter;
  }
  get #store(): Store {
    return this.#ctx.store;
  }
  get #gateway(): Gateway {
    return this.#ctx.gateway;
  }

  // ---- lookups ----
  guildRec(ref?: string): GuildRec {
    if (ref === undefined) {
      const first = this.#store.guilds.values().next().value;
      if (!first) throw new Error("the stand-in has no guild; seed one");
      return first;
    }
    const g = this.#store.guilds.get(ref) ?? [...this.#store.guilds.values()].find((x) => x.name === ref);
    if (!g) throw new Error(`unknown guild "${ref}"`);
    return g;
  }
  guild(ref?: string): GuildView {
    return guildView(this.#store, this.guildRec(ref).id);
  }
  user(ref: string): UserRec {
    const u = this.#store.users.get(ref) ?? [...this.#store.users.values()].find((x) => x.username === ref);
    if (!u) throw new Error(`unknown user "${ref}" (known: ${[...this.#store.users.values()].map((x) => x.username).join(", ")})`);
    return u;
  }
  channel(ref: string, guild?: string, user?: string): ChannelRec {
    if (ref === "dm") {
      if (!user) throw new Error(`channel "dm" needs a user`);
      return openDm(this.#ctx, this.user(user).id);
    }
    const byId = this.#store.channels.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^#/, "");
    const g = this.guildRec(guild);
    const c = [...this.#store.channels.values()].find((x) => x.guild_id === g.id && x.name === name);
    if (!c) throw new Error(`unknown channel "${ref}" in ${g.name}`);
    return c;
  }
  role(ref: string, guild?: string): RoleRec {
    const g = this.guildRec(guild);
    const r = g.roles.find((x) => x.id === ref || x.name === ref);
    if (!r) throw new Error(`unknown role "${ref}" in ${g.name}`);
    return r;
  }

  // ---- setting up ----
  /** The bot joins another guild (seeded like the first; existing users are reused by name): GUILD_CREATE to its shard. */
  createGuild(spec: SeedSpec = {}): GuildView {
    const g = seed(this.#store, spec);
    this.#gateway.dispatch({
      t: GatewayDispatchEvents.GuildCreate,
      guildId: g.id,
      intent: Intents.Guilds,
      data: guildCreatePayload(this.#store, g),
    });
    return guildView(this.#store, g.id);
  }

  createUser(input: { name: string; globalName?: string; guild?: string; roles?: string[]; member?: boolean }): UserRec {
    const user = createUser(this.#store, input.name, input.globalName);
    if (input.member !== false) this.addMember({ user: user.id, guild: input.guild, roles: input.roles });
    return user;
  }
  /** Adds the user to the guild (or sets their roles if already a member). */
  addMember(input: { user: string; guild?: string; roles?: string[] }): void {
    const g = this.guildRec(input.guild);
    const user = this.user(input.user);
    const isNew = !g.members[user.id];
    addMember(this.#store, g, user, input.roles ?? []);
    const member = { ...memberPayload(this.#store, g.members[user.id]), guild_id: g.id };
    this.#gateway.dispatch({
      t: isNew ? GatewayDispatchEvents.GuildMemberAdd : GatewayDispatchEvents.GuildMemberUpdate,
      guildId: g.id,
      intent: Intents.GuildMembers,
      data: member,
    });
  }
  createRole(input: { name: string; guild?: string; permissions?: string | number | string[] }): RoleRec {
    const g = this.guildRec(input.guild);
    const role = createRole(this.#store, g, input.name, input.permissions);
    this.#gateway.dispatch({
      t: GatewayDispatchEvents.GuildRoleCreate,
      guildId: g.id,
      intent: Intents.Guilds,
      data: { guild_id: g.id, role: rolePayload(role) },
    });
    return role;
  }
  createChannel(input: { name: string; guild?: string; topic?: string; category?: boolean; parent?: string }): ChannelRec {
    const g = this.guildRec(input.guild);
    const ch = createChannel(this.#store, g, input.name, {
      topic: input.topic,
      type: input.category ? ChannelType.GuildCategory : ChannelType.GuildText,
      parentId: input.parent ? this.channel(input.parent, g.id).id : undefined,
    });
    this.#gateway.dispatch({
      t: GatewayDispatchEvents.ChannelCreate,
      guildId: g.id,
      intent: Intents.Guilds,
      data: channelPayload(this.#store, ch),
    });
    return ch;
  }

  // ---- acting as users ----
  runCommand(input: RunCommandInput): InteractionHandle {
    return this.#invoke(input);
  }

  #invoke(input: RunCommandInput, focused?: string): InteractionHandle {
    const user = this.user(input.user);
    const channel = this.channel(input.channel, input.guild, input.user);
    const guild = channel.guild_id ? this.#store.guilds.get(channel.guild_id) : undefined;
    if (guild && !guild.members[user.id]) throw new Error(`${user.username} is not a member of ${guild.name}`);
    const command = this.#store.commandsFor(guild?.id).find((c) => c.name === input.name && (c.type ?? 1) === 1);
    if (!command) {
      const known = this.#store.commandsFor(guild?.id).map((c) => c.name);
      throw new Error(
        `no slash command /${input.name} is registered${guild ? ` in ${guild.name} or globally` : " globally"} (registered: ${known.join(", ") || "none"})`,
      );
    }
    checkCommandVisible(command, guild, user);
    const create = focused === undefined ? createCommandInteraction : createAutocompleteInteraction;
    const { rec, payload } = create(this.#ctx, {
      focused: focused as string,
      user,
      guild,
      channel,
      command,
      subcommand: input.subcommand,
      options: input.options,
      resolve: {
        store: this.#store,
        user: (r) => this.user(r),
        channel: (r) => this.channel(r, guild?.id),
        role: (r) => ({ id: this.role(r, guild?.id).id, guild: guild ?? this.guildRec() }),
      },
    });
    return new InteractionHandle(
      this.#store,
      this.#gateway,
      rec,
      payload,
      `/${[input.name, input.subcommand].filter(Boolean).join(" ")}`,
      input.timeoutMs,
    );
  }

  /** A user types in an autocomplete option: `focused` names it, `options[focused]` is the partial text. Await `choices()`. */
  autocomplete(input: RunCommandInput & { focused: string }): InteractionHandle {
    return this.#invoke(input, input.focused);
  }

  clickButton(input: { user: string; message: string | MessageRec; customId: string; timeoutMs?: number }): InteractionHandle {
    const user = this.user(input.user);
    const msg = typeof input.message === "string" ? this.#store.messages.get(input.message) : this.#store.messages.get(input.message.id);
    if (!msg) throw new Error(`unknown message ${typeof input.message === "string" ? input.message : input.message.id}`);
    const channel = this.#store.channels.get(msg.channel_id)!;
    const guild = channel.guild_id ? this.#store.guilds.get(channel.guild_id) : undefined;
    if ((msg.flags ?? 0) & MessageFlags.Ephemeral) {
      const rec = [...this.#store.interactions.values()].find((i) => i.original_message_id === msg.id || i.followup_ids.includes(msg.id));
      if (rec && rec.user_id !== user.id) throw new Error(`${user.username} cannot see an ephemeral message meant for another user`);
    }
    const { rec, payload } = createButtonInteraction(this.#ctx, { user, guild, channel }, msg, input.customId);
    return new InteractionHandle(this.#store, this.#gateway, rec, payload, `button "${input.customId}"`, input.timeoutMs);
  }

  /** A user picks `values` in a string select menu (component type 3). */
  selectOption(input: {
    user: string;
    message: string | MessageRec;
    customId: string;
    values: string[];
    timeoutMs?: number;
  }): InteractionHandle {
    const user = this.user(input.user);
    const msg = this.#store.messages.get(typeof input.message === "string" ? input.message : input.message.id);
    if (!msg) throw new Error(`unknown message ${typeof input.message === "string" ? input.message : input.message.id}`);
    const channel = this.#store.channels.get(msg.channel_id)!;
    const guild = channel.guild_id ? this.#store.guilds.get(channel.guild_id) : undefined;
    const { rec, payload } = createSelectInteraction(this.#ctx, { user, guild, channel }, msg, input.customId, input.values);
    return new InteractionHandle(this.#store, this.#gateway, rec, payload, `select "${input.customId}"`, input.timeoutMs);
  }

  /** A user adds (or with `remove: true` removes) a reaction: "👍" or a custom "name:id". */
  react(input: { user: string; message: string | MessageRec; emoji: string; remove?: boolean }): boolean {
    const user = this.user(input.user);
    const msg = this.#store.messages.get(typeof input.message === "string" ? input.message : input.message.id);
    if (!msg) throw new Error(`unknown message ${typeof input.message === "string" ? input.message : input.message.id}`);
    return react(this.#ctx, msg, user.id, input.emoji, !input.remove);
  }

  /** Submits the modal the bot showed in answer to `to` (a handle whose callback was a modal). */
  async submitModal(input: {
    user: string;
    to: InteractionHandle | string;
    values: Record<string, string>;
    timeoutMs?: number;
  }): Promise<InteractionHandle> {
    let rec: InteractionRec;
    let shown: Record<string, unknown>;
    if (typeof input.to === "string") {
      const found = this.#store.interactions.get(input.to);
      if (!found) throw new Error(`unknown interaction ${input.to}`);
      if (!found.modal) throw new Error(`the bot did not answer interaction ${input.to} with a modal`);
      rec = found;
      shown = found.modal;
    } else {
      shown = await input.to.modal(input.timeoutMs);
      rec = input.to.interaction;
    }
    if (rec.user_id !== this.user(input.user).id) throw new Error(`${input.user} cannot submit a modal shown to someone else`);
    checkModalValues(shown, input.values);
    const user = this.user(input.user);
    const channel = this.#store.channels.get(rec.channel_id)!;
    const guild = rec.guild_id ? this.#store.guilds.get(rec.guild_id) : undefined;
    const source = rec.source_message_id ? this.#store.messages.get(rec.source_message_id) : undefined;
    const { rec: r2, payload } = createModalSubmitInteraction(
      this.#ctx,
      { user, guild, channel },
      String((shown as { custom_id?: string }).custom_id ?? ""),
      input.values,
      source,
    );
    return new InteractionHandle(
      this.#store,
      this.#gateway,
      r2,
      payload,
      `modal "${String((shown as { custom_id?: string }).custom_id)}"`,
      input.timeoutMs,
    );
  }

  /** A user posts a message (MESSAGE_CREATE; content only reaches bots with the MessageContent intent, except DMs and mentions). */
  say(input: { user: string; channel: string; content: string; guild?: string; replyTo?: string }): MessageRec {
    const user = this.user(input.user);
    const channel = this.channel(input.channel, input.guild, input.user);
    if (channel.guild_id && !this.#store.guilds.get(channel.guild_id)?.members[user.id])
      throw new Error(`${user.username} is not a member of that guild`);
    if (channel.type === ChannelType.DM && !channel.recipient_ids?.includes(user.id)) throw new Error(`${user.username} is not in that DM`);
    return createMessage(this.#ctx, {
      channel,
      author: user,
      body: { content: input.content, ...(input.replyTo ? { message_reference: { message_id: input.replyTo } } : {}) },
    });
  }

  /** A user edits their own message (MESSAGE_UPDATE). */
  editMessage(input: { user: string; message: string; content: string }): MessageRec {
    const msg = this.#ownMessage(input.user, input.message);
    if (input.content.length === 0 || input.content.length > 2000) throw new Error("content must be 1–2000 characters");
    return editMessage(this.#ctx, msg, { content: input.content });
  }
  /** A user deletes their own message (MESSAGE_DELETE). */
  deleteMessage(input: { user: string; message: string }): void {
    deleteMessage(this.#ctx, this.#ownMessage(input.user, input.message));
  }
  #ownMessage(userRef: string, id: string): MessageRec {
    const user = this.user(userRef);
    const msg = this.#store.messages.get(id);
    if (!msg) throw new Error(`unknown message ${id}`);
    if (msg.author.id !== user.id) throw new Error(`${user.username} did not write message ${id}`);
    return msg;
  }

  // ---- awaiting the bot ----
  /** Resolves with the first message posted from now on (or, with `includeExisting`, already there) in the channel matching the predicate. */
  waitForMessage(
    channel: string,
    predicate: (m: MessageRec) => boolean = () => true,
    opts: WaitOptions & { guild?: string; user?: string; includeExisting?: boolean } = {},
  ): Promise<MessageRec> {
    const ch = this.channel(channel, opts.guild, opts.user);
    const seen = new Set(opts.includeExisting ? [] : (this.#store.channelMessages.get(ch.id) ?? []));
    return until(
      this.#store,
      () =>
        (this.#store.channelMessages.get(ch.id) ?? [])
          .map((id) => this.#store.messages.get(id)!)
          .find((m) => !seen.has(m.id) && predicate(m)),
      opts.timeoutMs,
      () => `a message in #${ch.name ?? ch.id}${describeState(this.#store, this.#gateway, ch)}`,
    );
  }
  /** Resolves with message `id` once its current state matches (checked now, then on every change), e.g. a bot's progress edit. */
  waitForMessageUpdate(id: string, predicate: (m: MessageRec) => boolean, opts: WaitOptions = {}): Promise<MessageRec> {
    return until(
      this.#store,
      () => {
        const m = this.#store.messages.get(id);
        return m && predicate(m) ? m : undefined;
      },
      opts.timeoutMs,
      () => {
        const m = this.#store.messages.get(id);
        return `message ${id} to reach the awaited state; it is ${m ? `now ${JSON.stringify(m.content.slice(0, 120))}${m.embeds.length ? ` with ${m.embeds.length} embed(s)` : ""}` : "deleted or unknown"}`;
      },
    );
  }
  /** Resolves once `check` returns a value, re-checked on every change the stand-in sees (messages, threads, reactions, interactions). */
  waitFor<T>(check: () => T | undefined | false | null, what: string, opts: WaitOptions = {}): Promise<T> {
    return until(
      this.#store,
      () => check() || undefined,
      opts.timeoutMs,
      () => what,
    );
  }

  /** Resolves with the first thread (existing or new) matching: under `parent` (channel ref), with `name` (string or RegExp). */
  waitForThread(match: { parent?: string; name?: string | RegExp; guild?: string } = {}, opts: WaitOptions = {}): Promise<ChannelRec> {
    const parentId = match.parent ? this.channel(match.parent, match.guild).id : undefined;
    const test = (c: ChannelRec) =>
      isThread(c) &&
      (!parentId || c.parent_id === parentId) &&
      (match.name === undefined || (typeof match.name === "string" ? c.name === match.name : match.name.test(c.name ?? "")));
    return until(
      this.#store,
      () => [...this.#store.channels.values()].find(test),
      opts.timeoutMs,
      () => `a thread${match.name ? ` named ${String(match.name)}` : ""}${match.parent ? ` under #${match.parent}` : ""}`,
    );
  }
  /** Resolves once a bot session is connected (after READY or RESUMED). */
  waitForBot(opts: WaitOptions & { count?: number } = {}): Promise<number> {
    const need = opts.count ?? 1;
    return new Promise((resolve, reject) => {
      const check = () => {
        const n = this.#gateway.connected().length;
        if (n >= need) {
          off();
          clearTimeout(timer);
          resolve(n);
          return true;
        }
        return false;
      };
      const off = this.#gateway.onChange(() => void check());
      const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const timer = setTimeout(() => {
        off();
        reject(
          new Error(
            `discord stand-in: timed out after ${timeoutMs} ms waiting for ${need} bot session(s) to connect (connected: ${this.#gateway.connected().length})`,
          ),
        );
      }, timeoutMs);
      check();
    });
  }

  // ---- reading state ----
  messages(channel: string, opts: { guild?: string; user?: string } = {}): MessageRec[] {
    const ch = this.channel(channel, opts.guild, opts.user);
    return (this.#store.channelMessages.get(ch.id) ?? []).map((id) => this.#store.messages.get(id)!);
  }
  message(id: string): MessageRec | undefined {
    return this.#store.messages.get(id);
  }
  threads(parent?: string): ChannelRec[] {
    const parentId = parent ? this.channel(parent).id : undefined;
    return [...this.#store.channels.values()].filter((c) => isThread(c) && (!parentId || c.parent_id === parentId));
  }
  commands(guild?: string): APIApplicationCommand[] {
    return guild ? (this.#store.guildCommands.get(this.guildRec(guild).id) ?? []) : this.#store.globalCommands;
  }
  attachment(id: string): Buffer | undefined {
    return this.#store.attachments.get(id);
  }
  /** How many interactions were ever created (tests check a refused invocation created none). */
  interactionCount(): number {
    return this.#store.interactions.size;
  }
  interaction(id: string): InteractionRec | undefined {
    return this.#store.interactions.get(id);
  }
  sessions(): { id: string; intents: number; shard: [number, number]; seq: number; connected: boolean }[] {
    return [...this.#gateway.sessions.values()].map((s) => ({
      id: s.id,
      intents: s.intents,
      shard: s.shard,
      seq: s.seq,
      connected: s.ws?.readyState === 1,
    }));
  }

  // ---- faults ----
  injectRateLimit(i: RateLimitInjection): void {
    this.#limiter.inject(i);
  }
  rateLimitHits(): string[] {
    return [...this.#limiter.hits];
  }
  /** op 7 to connected sessions: the client reconnects and RESUMEs. */
  reconnect(sessionId?: string): number {
    return this.#gateway.reconnect(sessionId);
  }
  /** op 9: `resumable` true → the client RESUMEs; false → it must IDENTIFY again. */
  invalidateSession(resumable = false, sessionId?: string): number {
    return this.#gateway.invalidateSession(resumable, sessionId);
  }
  /** Cuts sockets without a close handshake (network failure); clients RESUME. */
  dropConnections(sessionId?: string): number {
    return this.#gateway.dropConnections(sessionId);
  }
}

/** The text inputs of a modal (in action rows or labels) must be answered: no unknown ids, no missing required ones. */
function checkModalValues(modal: Record<string, unknown>, values: Record<string, string>): void {
  const inputs: { custom_id: string; required?: boolean }[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== "object") return;
    const c = node as { type?: number; custom_id?: string; required?: boolean; components?: unknown[]; component?: unknown };
    if (c.type === ComponentType.TextInput && c.custom_id) inputs.push({ custom_id: c.custom_id, required: c.required });
    for (const child of c.components ?? []) walk(child);
    walk(c.component);
  };
  walk(modal);
  const unknown = Object.keys(values).filter((k) => !inputs.some((i) => i.custom_id === k));
  if (unknown.length)
    throw new Error(
      `modal "${String(modal.custom_id)}" has no input ${unknown.join(", ")} (has: ${inputs.map((i) => i.custom_id).join(", ")})`,
    );
  const missing = inputs.filter((i) => i.required !== false && values[i.custom_id] === undefined).map((i) => i.custom_id);
  if (missing.length) throw new Error(`modal "${String(modal.custom_id)}" needs ${missing.join(", ")}`);
}

function checkCommandVisible(command: APIApplicationCommand, guild: GuildRec | undefined, user: UserRec): void {
  if (!guild) {
    if (command.guild_id || command.dm_permission === false || (command.contexts && !command.contexts.includes(1)))
      throw new Error(`/${command.name} is not available in DMs`);
    return;
  }
  const needed = command.default_member_permissions;
  if (needed === null || needed === undefined) return;
  const perms = memberPermissions(guild, user.id);
  const bits = BigInt(needed);
  if ((perms & PermissionFlagsBits.Administrator) === 0n && (perms & bits) !== bits)
    throw new Error(
      `${user.username} cannot use /${command.name}: it needs default_member_permissions ${needed}, as Discord hides it from them`,
    );
}

function describeState(store: Store, gateway: Gateway, ch: ChannelRec): string {
  const last = (store.channelMessages.get(ch.id) ?? []).slice(-3).map((id) => store.messages.get(id)!);
  const sessions = gateway.connected().length;
  return `; last messages there: ${last.length ? last.map((m) => `${m.author.username}: ${JSON.stringify(m.content.slice(0, 80))}`).join(" | ") : "none"}; bot sessions connected: ${sessions}`;
}
