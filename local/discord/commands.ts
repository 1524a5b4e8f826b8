// Application commands (global and per guild): bulk overwrite keeps ids of same-named commands, as Discord does.
import { ApplicationCommandType, ApplicationIntegrationType, InteractionContextType } from "discord-api-types/v10";
import type { APIApplicationCommand } from "discord-api-types/v10";
import type { Store } from "./store.ts";
import type { CommandBody } from "./rest-schemas.ts";
import { unknownCommand } from "./errors.ts";

function toCommand(
  store: Store,
  body: CommandBody,
  guildId: string | undefined,
  existing: APIApplicationCommand | undefined,
): APIApplicationCommand {
  const type = (body.type ?? ApplicationCommandType.ChatInput) as ApplicationCommandType;
  return {
    id: existing?.id ?? store.ids.next(),
    type,
    application_id: store.applicationId,
    ...(guildId ? { guild_id: guildId } : {}),
    name: body.name,
    name_localizations: body.name_localizations ?? null,
    description: type === ApplicationCommandType.ChatInput ? (body.description ?? "") : "",
    description_localizations: body.description_localizations ?? null,
    ...(body.options ? { options: body.options as APIApplicationCommand["options"] } : {}),
    default_member_permissions: body.default_member_permissions ?? null,
    dm_permission: body.dm_permission ?? true,
    nsfw: body.nsfw ?? false,
    integration_types: (body.integration_types ?? [ApplicationIntegrationType.GuildInstall]) as ApplicationIntegrationType[],
    contexts: (body.contexts ??
      (guildId ? null : [InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel])) as
      InteractionContextType[] | null,
    version: store.ids.next(),
  };
}

function list(store: Store, guildId: string | undefined): APIApplicationCommand[] {
  return guildId ? (store.guildCommands.get(guildId) ?? []) : store.globalCommands;
}
function save(store: Store, guildId: string | undefined, cmds: APIApplicationCommand[]): void {
  if (guildId) store.guildCommands.set(guildId, cmds);
  else store.globalCommands = cmds;
  store.changed();
}

const same = (a: { name: string; type?: number }, b: { name: string; type?: number }) =>
  a.name === b.name && (a.type ?? 1) === (b.type ?? 1);

export function overwriteCommands(store: Store, guildId: string | undefined, bodies: CommandBody[]): APIApplicationCommand[] {
  const old = list(store, guildId);
  const next = bodies.map((b) =>
    toCommand(
      store,
      b,
      guildId,
      old.find((c) => same(c, b)),
    ),
  );
  save(store, guildId, next);
  return next;
}

/** POST: creates or replaces the same-named command; `created` tells 201 from 200. */
export function upsertCommand(
  store: Store,
  guildId: string | undefined,
  body: CommandBody,
): { command: APIApplicationCommand; created: boolean } {
  const cmds = [...list(store, guildId)];
  const i = cmds.findIndex((c) => same(c, body));
  const command = toCommand(store, body, guildId, i >= 0 ? cmds[i] : undefined);
  if (i >= 0) cmds[i] = command;
  else cmds.push(command);
  save(store, guildId, cmds);
  return { command, created: i < 0 };
}

export function getCommand(store: Store, guildId: string | undefined, id: string): APIApplicationCommand {
  const c = list(store, guildId).find((x) => x.id === id);
  if (!c) throw unknownCommand();
  return c;
}

/** Replaces command `id` with `body` (already merged with the current definition and validated). */
export function patchCommand(store: Store, guildId: string | undefined, id: string, body: CommandBody): APIApplicationCommand {
  const current = getCommand(store, guildId, id);
  const merged = toCommand(store, body, guildId, current);
  save(
    store,
    guildId,
    list(store, guildId).map((c) => (c.id === id ? merged : c)),
  );
  return merged;
}

export function deleteCommand(store: Store, guildId: string | undefined, id: string): void {
  getCommand(store, guildId, id);
  save(
    store,
    guildId,
    list(store, guildId).filter((c) => c.id !== id),
  );
}
