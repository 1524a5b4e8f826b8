// Interactions as users make them (the driver): slash commands with options typed by the registered
// definition, autocomplete, buttons, selects, modal submits; each dispatched as INTERACTION_CREATE.
// The bot's answers are handled in interaction-responses.ts.
import { randomUUID } from "node:crypto";
import {
  ApplicationCommandOptionType,
  ComponentType,
  GatewayDispatchEvents,
  InteractionType,
  Locale,
  ApplicationIntegrationType,
  InteractionContextType,
} from "discord-api-types/v10";
import type {
  APIApplicationCommand,
  APIApplicationCommandInteractionDataOption,
  APIApplicationCommandOption,
  APIApplicationCommandAutocompleteInteraction,
  APIChatInputApplicationCommandInteraction,
  APIInteraction,
  APIInteractionDataResolved,
  APIMessageButtonInteractionData,
  APIMessageComponentButtonInteraction,
  APIMessageComponentSelectMenuInteraction,
  APIModalSubmitInteraction,
  APIModalSubmissionComponent,
} from "discord-api-types/v10";
import type { ChannelRec, GuildRec, InteractionRec, MessageRec, UserRec } from "./store.ts";
import { channelPayload, interactionMemberPayload, memberPayload, rolePayload, userPayload } from "./payloads.ts";
import { ALL_PERMISSIONS, memberPermissions } from "./permissions.ts";
import { stripGuild } from "./messages.ts";
import type { Ctx } from "./messages.ts";

export interface InteractionCtx extends Ctx {
  /** How long the bot has for the initial callback (Discord: 3 s). */
  callbackTimeoutMs: number;
}

/** Values a test may give for an option; users/channels/roles by name or id. */
export type OptionValue = string | number | boolean;

interface Where {
  user: UserRec;
  guild?: GuildRec;
  channel: ChannelRec;
}

function base(ctx: InteractionCtx, w: Where, type: InteractionType): { rec: InteractionRec; common: Record<string, unknown> } {
  const id = ctx.store.ids.next();
  // Shaped like Discord's: base64 of "interaction:<id>:<secret>" (URL-safe, no separators to escape).
  const token = Buffer.from(`interaction:${id}:${randomUUID()}${randomUUID()}`).toString("base64url");
  const rec: InteractionRec = {
    id,
    token,
    type,
    channel_id: w.channel.id,
    user_id: w.user.id,
    created_at: Date.now(),
    followup_ids: [],
    ...(w.guild ? { guild_id: w.guild.id } : {}),
  };
  ctx.store.interactions.set(id, rec);
  ctx.store.interactionsByToken.set(token, rec);
  ctx.store.changed();
  const member = w.guild ? w.guild.members[w.user.id] : undefined;
  if (w.guild && !member) throw new Error(`${w.user.username} is not a member of ${w.guild.name}`);
  const common = {
    id,
    application_id: ctx.store.applicationId,
    token,
    version: 1 as const,
    channel: channelPayload(ctx.store, w.channel),
    channel_id: w.channel.id,
    locale: Locale.EnglishUS,
    entitlements: [],
    attachment_size_limit: 26_214_400,
    app_permissions: (w.guild ? memberPermissions(w.guild, ctx.store.botUserId) : ALL_PERMISSIONS).toString(),
    ...(w.guild && member
      ? {
          guild_id: w.guild.id,
          guild: { id: w.guild.id, locale: Locale.EnglishUS, features: [] },
          guild_locale: Locale.EnglishUS,
          member: interactionMemberPayload(ctx.store, w.guild, member),
          authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: w.guild.id },
          context: InteractionContextType.Guild,
        }
      : {
          user: userPayload(w.user),
          authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: "0" },
          context: InteractionContextType.BotDM,
        }),
  };
  return { rec, common };
}

function send(ctx: InteractionCtx, rec: InteractionRec, payload: APIInteraction): void {
  ctx.gateway.dispatch({ t: GatewayDispatchEvents.InteractionCreate, guildId: rec.guild_id, data: payload });
}

export interface CommandInvocation extends Where {
  command: APIApplicationCommand;
  subcommand?: string;
  options?: Record<string, OptionValue>;
  /** For autocomplete: the option being typed (its value is the partial text; required options may be missing). */
  focused?: string;
  resolve: Resolvers;
}
export interface Resolvers {
  store: InteractionCtx["store"];
  user(ref: string): UserRec;
  channel(ref: string): ChannelRec;
  role(ref: string): { id: string; guild: GuildRec };
}

export function createCommandInteraction(
  ctx: InteractionCtx,
  inv: CommandInvocation,
): { rec: InteractionRec; payload: APIChatInputApplicationCommandInteraction } {
  return createInvocation(ctx, inv, InteractionType.ApplicationCommand) as {
    rec: InteractionRec;
    payload: APIChatInputApplicationCommandInteraction;
  };
}

export function createAutocompleteInteraction(
  ctx: InteractionCtx,
  inv: CommandInvocation & { focused: string },
): { rec: InteractionRec; payload: APIApplicationCommandAutocompleteInteraction } {
  return createInvocation(ctx, inv, InteractionType.ApplicationCommandAutocomplete) as {
    rec: InteractionRec;
    payload: APIApplicationCommandAutocompleteInteraction;
  };
}

function createInvocation(
  ctx: InteractionCtx,
  inv: CommandInvocation,
  type: InteractionType.ApplicationCommand | InteractionType.ApplicationCommandAutocomplete,
): { rec: InteractionRec; payload: APIChatInputApplicationCommandInteraction | APIApplicationCommandAutocompleteInteraction } {
  const resolved: APIInteractionDataResolved = {};
  const options = buildOptions(inv, resolved);
  const { rec, common } = base(ctx, inv, type);
  rec.command_name = inv.command.name;
  const payload = {
    ...common,
    type,
    data: {
      id: inv.command.id,
      name: inv.command.name,
      type: 1,
      ...(options.length ? { options } : {}),
      ...(Object.keys(resolved).length ? { resolved } : {}),
      ...(inv.command.guild_id ? { guild_id: inv.command.guild_id } : {}),
    },
  } as APIChatInputApplicationCommandInteraction | APIApplicationCommandAutocompleteInteraction;
  send(ctx, rec, payload);
  return { rec, payload };
}

/** Builds `data.options`, typed by the registered definition (so strings become integers, users ids, …). */
function buildOptions(inv: CommandInvocation, resolved: APIInteractionDataResolved): APIApplicationCommandInteractionDataOption[] {
  const given = inv.options ?? {};
  const path = (inv.subcommand ?? "").split(/\s+/).filter(Boolean);
  let defs: APIApplicationCommandOption[] = inv.command.options ?? [];
  const chain: { type: number; name: string }[] = [];
  for (const name of path) {
    const def = defs.find(
      (o) =>
        o.name === name && (o.type === ApplicationCommandOptionType.Subcommand || o.type === ApplicationCommandOptionType.SubcommandGroup),
    );
    if (!def)
      throw new Error(
        `/${inv.command.name} has no subcommand "${name}" (has: ${
          defs
            .filter((o) => o.type <= 2)
            .map((o) => o.name)
            .join(", ") || "none"
        })`,
      );
    chain.push({ type: def.type, name });
    defs = "options" in def && def.options ? (def.options as APIApplicationCommandOption[]) : [];
  }
  if (defs.some((o) => o.type === ApplicationCommandOptionType.Subcommand || o.type === ApplicationCommandOptionType.SubcommandGroup))
    throw new Error(`/${[inv.command.name, ...path].join(" ")} needs a subcommand: ${defs.map((o) => o.name).join(", ")}`);
  if (inv.focused !== undefined) {
    const def = defs.find((d) => d.name === inv.focused);
    if (!def) throw new Error(`/${[inv.command.name, ...path].join(" ")} has no option "${inv.focused}" to autocomplete`);
    if (!("autocomplete" in def && def.autocomplete))
      throw new Error(`option "${inv.focused}" of /${inv.command.name} does not have autocomplete enabled`);
  }
  for (const name of Object.keys(given))
    if (!defs.some((d) => d.name === name))
      throw new Error(
        `/${[inv.command.name, ...path].join(" ")} has no option "${name}" (has: ${defs.map((d) => d.name).join(", ") || "none"})`,
      );
  const leaf: APIApplicationCommandInteractionDataOption[] = [];
  for (const def of defs) {
    const v = given[def.name];
    if (def.name === inv.focused) {
      // The option being typed: always a string of what the user has typed so far.
      leaf.push({ type: def.type, name: def.name, value: String(v ?? ""), focused: true } as APIApplicationCommandInteractionDataOption);
      continue;
    }
    if (v === undefined) {
      if ("required" in def && def.required && inv.focused === undefined)
        throw new Error(`option "${def.name}" of /${inv.command.name} is required`);
      continue;
    }
    leaf.push(typedOption(inv, def, v, resolved));
  }
  let out: APIApplicationCommandInteractionDataOption[] = leaf;
  for (const link of chain.reverse())
    out = [{ type: link.type, name: link.name, options: out } as APIApplicationCommandInteractionDataOption];
  return out;
}

function typedOption(
  inv: CommandInvocation,
  def: APIApplicationCommandOption,
  v: OptionValue,
  resolved: APIInteractionDataResolved,
): APIApplicationCommandInteractionDataOption {
  const T = ApplicationCommandOptionType;
  const fail = (why: string): never => {
    throw new Error(`option "${def.name}" of /${inv.command.name}: ${why}`);
  };
  const choices = "choices" in def && def.choices ? (def.choices as { value: string | number }[]) : undefined;
  const checkChoice = (x: string | number) => {
    if (choices && !choices.some((c) => c.value === x))
      fail(`${JSON.stringify(x)} is not one of the choices ${choices.map((c) => JSON.stringify(c.value)).join(", ")}`);
    return x;
  };
  switch (def.type) {
    case T.String:
      return { type: T.String, name: def.name, value: checkChoice(String(v)) as string };
    case T.Integer: {
      const n = Number(v);
      if (!Number.isInteger(n)) fail(`${JSON.stringify(v)} is not an integer`);
      return { type: T.Integer, name: def.name, value: checkChoice(n) as number };
    }
    case T.Number: {
      const n = Number(v);
      if (!Number.isFinite(n)) fail(`${JSON.stringify(v)} is not a number`);
      return { type: T.Number, name: def.name, value: checkChoice(n) as number };
    }
    case T.Boolean:
      if (typeof v !== "boolean" && v !== "true" && v !== "false") fail(`${JSON.stringify(v)} is not a boolean`);
      return { type: T.Boolean, name: def.name, value: v === true || v === "true" };
    case T.User: {
      const u = inv.resolve.user(String(v));
      addUser(inv, u, resolved);
      return { type: T.User, name: def.name, value: u.id };
    }
    case T.Channel: {
      const c = inv.resolve.channel(String(v));
      resolved.channels ??= {};
      resolved.channels[c.id] = {
        id: c.id,
        name: c.name ?? "",
        type: c.type,
        permissions: (inv.guild ? memberPermissions(inv.guild, inv.user.id) : ALL_PERMISSIONS).toString(),
        ...(c.parent_id ? { parent_id: c.parent_id } : {}),
        ...(c.thread_metadata ? { thread_metadata: c.thread_metadata } : {}),
      } as NonNullable<APIInteractionDataResolved["channels"]>[string];
      return { type: T.Channel, name: def.name, value: c.id };
    }
    case T.Role: {
      const r = addRole(inv, String(v), resolved);
      return { type: T.Role, name: def.name, value: r };
    }
    case T.Mentionable: {
      try {
        const u = inv.resolve.user(String(v));
        addUser(inv, u, resolved);
        return { type: T.Mentionable, name: def.name, value: u.id };
      } catch {
        return { type: T.Mentionable, name: def.name, value: addRole(inv, String(v), resolved) };
      }
    }
    default:
      return fail(`option type ${def.type} is not supported by the driver yet`);
  }
}

function addUser(inv: CommandInvocation, u: UserRec, resolved: APIInteractionDataResolved): void {
  resolved.users ??= {};
  resolved.users[u.id] = userPayload(u);
  const m = inv.guild?.members[u.id];
  if (m && inv.guild) {
    resolved.members ??= {};
    const { user: _u, deaf: _d, mute: _m, ...rest } = memberPayload(inv.resolve.store, m);
    resolved.members[u.id] = { ...rest, permissions: memberPermissions(inv.guild, u.id).toString() } as NonNullable<
      APIInteractionDataResolved["members"]
    >[string];
  }
}

function addRole(inv: CommandInvocation, ref: string, resolved: APIInteractionDataResolved): string {
  const { id, guild } = inv.resolve.role(ref);
  const role = guild.roles.find((r) => r.id === id)!;
  resolved.roles ??= {};
  resolved.roles[id] = rolePayload(role);
  return id;
}

export function createButtonInteraction(
  ctx: InteractionCtx,
  w: Where,
  message: MessageRec,
  customId: string,
): { rec: InteractionRec; payload: APIMessageComponentButtonInteraction } {
  const button = findComponent(message.components as unknown[] | undefined, customId);
  if (!button) throw new Error(`message ${message.id} has no component with custom_id "${customId}"`);
  if (button.type !== ComponentType.Button) throw new Error(`component "${customId}" is not a button (type ${button.type})`);
  if (button.disabled) throw new Error(`button "${customId}" is disabled`);
  const { rec, common } = base(ctx, w, InteractionType.MessageComponent);
  rec.source_message_id = message.id;
  const data: APIMessageButtonInteractionData = { custom_id: customId, component_type: ComponentType.Button };
  const payload = {
    ...common,
    type: InteractionType.MessageComponent,
    data,
    message: stripGuild(message),
  } as APIMessageComponentButtonInteraction;
  send(ctx, rec, payload);
  return { rec, payload };
}

export function createSelectInteraction(
  ctx: InteractionCtx,
  w: Where,
  message: MessageRec,
  customId: string,
  values: string[],
): { rec: InteractionRec; payload: APIMessageComponentSelectMenuInteraction } {
  const menu = findComponent(message.components as unknown[] | undefined, customId) as
    { type: number; disabled?: boolean; options?: { value: string }[]; min_values?: number; max_values?: number } | undefined;
  if (!menu) throw new Error(`message ${message.id} has no component with custom_id "${customId}"`);
  if (menu.type !== ComponentType.StringSelect) throw new Error(`component "${customId}" is not a string select (type ${menu.type})`);
  if (menu.disabled) throw new Error(`select "${customId}" is disabled`);
  const known = (menu.options ?? []).map((o) => o.value);
  const bad = values.filter((v) => !known.includes(v));
  if (bad.length)
    throw new Error(`select "${customId}" has no option ${bad.map((v) => JSON.stringify(v)).join(", ")} (has: ${known.join(", ")})`);
  const min = menu.min_values ?? 1;
  const max = menu.max_values ?? 1;
  if (values.length < min || values.length > max) throw new Error(`select "${customId}" takes ${min}..${max} values, got ${values.length}`);
  const { rec, common } = base(ctx, w, InteractionType.MessageComponent);
  rec.source_message_id = message.id;
  const payload = {
    ...common,
    type: InteractionType.MessageComponent,
    data: { custom_id: customId, component_type: ComponentType.StringSelect, values },
    message: stripGuild(message),
  } as APIMessageComponentSelectMenuInteraction;
  send(ctx, rec, payload);
  return { rec, payload };
}

export function createModalSubmitInteraction(
  ctx: InteractionCtx,
  w: Where,
  customId: string,
  values: Record<string, string>,
  sourceMessage?: MessageRec,
): { rec: InteractionRec; payload: APIModalSubmitInteraction } {
  const { rec, common } = base(ctx, w, InteractionType.ModalSubmit);
  if (sourceMessage) rec.source_message_id = sourceMessage.id;
  const components = Object.entries(values).map(
    ([id, value]) =>
      ({
        type: ComponentType.ActionRow,
        components: [{ type: ComponentType.TextInput, custom_id: id, value }],
      }) as unknown as APIModalSubmissionComponent,
  );
  const payload = {
    ...common,
    type: InteractionType.ModalSubmit,
    data: { custom_id: customId, components },
    ...(sourceMessage ? { message: stripGuild(sourceMessage) } : {}),
  } as APIModalSubmitInteraction;
  send(ctx, rec, payload);
  return { rec, payload };
}

function findComponent(
  list: unknown[] | undefined,
  customId: string,
): { type: number; custom_id?: string; disabled?: boolean } | undefined {
  for (const c of (list ?? []) as { type: number; custom_id?: string; disabled?: boolean; components?: unknown[]; accessory?: unknown }[]) {
    if (c.custom_id === customId) return c;
    const inner = findComponent(c.components, customId) ?? (c.accessory ? findComponent([c.accessory], customId) : undefined);
    if (inner) return inner;
  }
  return undefined;
}
