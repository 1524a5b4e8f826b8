// REST API v10 under /api/v10: auth (Bot token), rate-limit headers and injected 429s, Discord-shaped errors.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { ChannelType, MessageFlags } from "discord-api-types/v10";
import type { Logger } from "./log.ts";
import {
  DiscordHttpError,
  methodNotAllowed,
  notFound,
  unauthorized,
  unknownGuild,
  unknownMember,
  unknownMessage,
  unknownUser,
  cannotEditOthers,
  invalidFormBody,
  unknownApplication,
  invalidChannelType,
} from "./errors.ts";
import { parseBody as readBody } from "./http-util.ts";
import type { UploadedFile } from "./messages.ts";
import { createMessage, deleteMessage, editMessage, isThread, requireChannel, stripGuild } from "./messages.ts";
import { editChannel, channelEditBody } from "./channels.ts";
import { react, reactionUsers } from "./reactions.ts";
import { createThread } from "./threads.ts";
import type { InteractionCtx } from "./interactions.ts";
import {
  createFollowup,
  deleteWebhookMessage,
  editWebhookMessage,
  handleCallback,
  interactionByIdAndToken,
  interactionByWebhook,
  webhookMessage,
} from "./interaction-responses.ts";
import {
  commandBody,
  createDmBody,
  interactionCallbackBody,
  messageBody,
  messageEditBody,
  threadBody,
  threadFromMessageBody,
} from "./rest-schemas.ts";
import { parseBody } from "./validate.ts";
import { deleteCommand, getCommand, overwriteCommands, patchCommand, upsertCommand } from "./commands.ts";
import {
  applicationPayload,
  channelPayload,
  gatewayBotPayload,
  guildChannels,
  guildPayload,
  memberPayload,
  rolePayload,
  userPayload,
} from "./payloads.ts";
import type { RateLimiter } from "./ratelimit.ts";
import { openDm } from "./dm.ts";

interface Req {
  params: string[];
  query: URLSearchParams;
  json: unknown;
  files: UploadedFile[];
}
interface Res {
  status: number;
  body?: unknown;
}
type Handler = (r: Req) => Res;
interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
  /** Interaction callbacks and webhook-token routes need no Authorization header. */
  auth: boolean;
}

const ID = "(\\d{1,20})";
const TOKEN = "([^/]+)";

export interface RestDeps extends InteractionCtx {
  rateLimiter: RateLimiter;
  log: Logger;
  gatewayUrl: () => string;
  shards: number;
}

export function createRest(deps: RestDeps): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const { store } = deps;
  const routes: Route[] = [];
  const on = (method: string, path: string, handler: Handler, auth = true) =>
    routes.push({ method, pattern: new RegExp(`^${path.replaceAll(":id", ID).replaceAll(":token", TOKEN)}$`), handler, auth });
  const ok = (body: unknown, status = 200): Res => ({ status, body });
  const noContent: Res = { status: 204 };

  on("GET", "/gateway", () => ok({ url: deps.gatewayUrl() }), false);
  on("GET", "/gateway/bot", () => ok(gatewayBotPayload(deps.gatewayUrl(), deps.shards)));
  on("GET", "/users/@me", () => ok(userPayload(store.users.get(store.botUserId)!)));
  on("GET", "/users/:id", ({ params: [id] }) => {
    const u = store.users.get(id);
    if (!u) throw unknownUser();
    return ok(userPayload(u));
  });
  on("POST", "/users/@me/channels", ({ json }) => {
    const { recipient_id } = parseBody(createDmBody, json);
    if (!store.users.has(recipient_id)) throw unknownUser();
    return ok(channelPayload(store, openDm(deps, recipient_id)));
  });
  on("GET", "/users/@me/guilds", () =>
    ok([...store.guilds.values()].map((g) => ({ id: g.id, name: g.name, icon: null, owner: false, permissions: "0", features: [] }))),
  );
  on("GET", "/applications/@me", () => ok(applicationPayload(store)));
  on("GET", "/oauth2/applications/@me", () => ok(applicationPayload(store)));

  // Application commands, global (`/applications/:app/commands`) and guild (`…/guilds/:guild/commands`).
  for (const scope of ["", "/guilds/:id"]) {
    const base = `/applications/:id${scope}/commands`;
    const guildOf = (params: string[]): string | undefined => {
      if (params[0] !== store.applicationId) throw unknownApplication();
      if (!scope) return undefined;
      if (!store.guilds.has(params[1])) throw unknownGuild();
      return params[1];
    };
    on("GET", base, ({ params }) => {
      const guildId = guildOf(params);
      return ok(guildId ? (store.guildCommands.get(guildId) ?? []) : store.globalCommands);
    });
    on("PUT", base, ({ params, json }) => {
      const bodies = parseBody(z.array(commandBody).max(100), json);
      const dup = bodies.findIndex((b, i) => bodies.findIndex((o) => o.name === b.name && (o.type ?? 1) === (b.type ?? 1)) !== i);
      if (dup >= 0)
        throw invalidFormBody([
          { path: [dup, "name"], message: "Application command names must be unique", code: "APPLICATION_COMMANDS_DUPLICATE_NAME" },
        ]);
      return ok(overwriteCommands(store, guildOf(params), bodies));
    });
    on("POST", base, ({ params, json }) => {
      const { command, created } = upsertCommand(store, guildOf(params), parseBody(commandBody, json));
      return ok(command, created ? 201 : 200);
    });
    on("GET", `${base}/:id`, ({ params }) => ok(getCommand(store, guildOf(params), params.at(-1)!)));
    on("PATCH", `${base}/:id`, ({ params, json }) => {
      const guildId = guildOf(params);
      const current = getCommand(store, guildId, params.at(-1)!);
      // The command after the patch must itself be valid; otherwise nothing changes.
      const merged = parseBody(commandBody, { ...current, ...parseBody(z.record(z.string(), z.unknown()), json) });
      return ok(patchCommand(store, guildId, current.id, merged));
    });
    on("DELETE", `${base}/:id`, ({ params }) => {
      deleteCommand(store, guildOf(params), params.at(-1)!);
      return noContent;
    });
  }

  // Interactions: callback, then the app's webhook for @original and follow-ups.
  on(
    "POST",
    "/interactions/:id/:token/callback",
    ({ params: [id, token], json, files, query }) => {
      const rec = interactionByIdAndToken(deps, id, token);
      const body = parseBody(interactionCallbackBody, json);
      const result = handleCallback(deps, rec, body, files, query.get("with_response") === "true");
      return result ? ok(result) : noContent;
    },
    false,
  );
  on(
    "POST",
    "/webhooks/:id/:token",
    ({ params: [app, token], json, files }) => ok(stripGuild(createFollowup(deps, interactionByWebhook(deps, app, token), json, files))),
    false,
  );
  on(
    "GET",
    "/webhooks/:id/:token/messages/(@original|\\d+)",
    ({ params: [app, token, mid] }) => ok(stripGuild(webhookMessage(deps, interactionByWebhook(deps, app, token), mid))),
    false,
  );
  on(
    "PATCH",
    "/webhooks/:id/:token/messages/(@original|\\d+)",
    ({ params: [app, token, mid], json, files }) =>
      ok(stripGuild(editWebhookMessage(deps, interactionByWebhook(deps, app, token), mid, json ?? {}, files))),
    false,
  );
  on(
    "DELETE",
    "/webhooks/:id/:token/messages/(@original|\\d+)",
    ({ params: [app, token, mid] }) => {
      deleteWebhookMessage(deps, interactionByWebhook(deps, app, token), mid);
      return noContent;
    },
    false,
  );

  // Channels and messages.
  on("GET", "/channels/:id", ({ params: [id] }) => ok(channelPayload(store, requireChannel(deps, id))));
  on("GET", "/channels/:id/messages", ({ params: [id], query }) => {
    requireChannel(deps, id);
    const ids = store.channelMessages.get(id) ?? [];
    const limit = Math.min(100, Math.max(1, Number(query.get("limit") ?? 50) || 50));
    const before = query.get("before");
    const after = query.get("after");
    const around = query.get("around");
    let picked: string[];
    const cmp = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
    if (after) picked = ids.filter((m) => cmp(m, after) > 0).slice(0, limit);
    else if (around) {
      const i = ids.findIndex((m) => cmp(m, around) >= 0);
      const start = Math.max(0, (i < 0 ? ids.length : i) - Math.floor(limit / 2));
      picked = ids.slice(start, start + limit);
    } else picked = (before ? ids.filter((m) => cmp(m, before) < 0) : ids).slice(-limit);
    // Newest first, as Discord returns them.
    return ok(picked.reverse().map((m) => stripGuild(store.messages.get(m)!)));
  });
  on("GET", "/channels/:id/messages/:id", ({ params: [cid, mid] }) => ok(stripGuild(channelMessage(cid, mid))));
  on("POST", "/channels/:id/messages", ({ params: [cid], json, files }) => {
    const channel = requireChannel(deps, cid);
    const body = parseBody(messageBody, json ?? {});
    if (body.flags && body.flags & MessageFlags.Ephemeral)
      throw invalidFormBody([{ path: ["flags"], message: "Ephemeral messages can only be sent as interaction responses." }]);
    return ok(stripGuild(createMessage(deps, { channel, author: store.users.get(store.botUserId)!, body, files })));
  });
  on("PATCH", "/channels/:id/messages/:id", ({ params: [cid, mid], json, files }) => {
    const msg = channelMessage(cid, mid);
    if (msg.author.id !== store.botUserId) throw cannotEditOthers();
    return ok(stripGuild(editMessage(deps, msg, parseBody(messageEditBody, json ?? {}), files)));
  });
  on("DELETE", "/channels/:id/messages/:id", ({ params: [cid, mid] }) => {
    deleteMessage(deps, channelMessage(cid, mid));
    return noContent;
  });
  on("POST", "/channels/:id/typing", ({ params: [cid] }) => (requireChannel(deps, cid), noContent));
  on("POST", "/channels/:id/messages/:id/threads", ({ params: [cid, mid], json }) => {
    const parent = requireChannel(deps, cid);
    const msg = channelMessage(cid, mid);
    return ok(channelPayload(store, createThread(deps, parent, parseBody(threadFromMessageBody, json ?? {}), store.botUserId, msg)), 201);
  });
  on("POST", "/channels/:id/threads", ({ params: [cid], json }) => {
    const parent = requireChannel(deps, cid);
    return ok(channelPayload(store, createThread(deps, parent, parseBody(threadBody, json ?? {}), store.botUserId)), 201);
  });
  on("PATCH", "/channels/:id", ({ params: [cid], json }) =>
    ok(channelPayload(store, editChannel(deps, requireChannel(deps, cid), parseBody(channelEditBody, json ?? {})))),
  );
  on("PUT", "/channels/:id/thread-members/(@me|\\d+)", ({ params: [cid, uid] }) => {
    if (!isThread(requireChannel(deps, cid))) throw invalidChannelType();
    if (uid !== "@me" && !store.users.has(uid)) throw unknownUser();
    return noContent;
  });

  // Reactions (the bot's own, and listing who reacted).
  const reactionTarget = (cid: string, mid: string) => channelMessage(cid, mid);
  on(
    "PUT",
    "/channels/:id/messages/:id/reactions/([^/]+)/@me",
    ({ params: [cid, mid, emoji] }) => (react(deps, reactionTarget(cid, mid), store.botUserId, emoji, true), noContent),
  );
  on(
    "DELETE",
    "/channels/:id/messages/:id/reactions/([^/]+)/@me",
    ({ params: [cid, mid, emoji] }) => (react(deps, reactionTarget(cid, mid), store.botUserId, emoji, false), noContent),
  );
  on(
    "DELETE",
    "/channels/:id/messages/:id/reactions/([^/]+)/:id",
    ({ params: [cid, mid, emoji, uid] }) => (react(deps, reactionTarget(cid, mid), uid, emoji, false), noContent),
  );
  on("GET", "/channels/:id/messages/:id/reactions/([^/]+)", ({ params: [cid, mid, emoji], query }) => {
    const limit = Math.min(100, Math.max(1, Number(query.get("limit") ?? 25) || 25));
    const after = query.get("after");
    const ids = reactionUsers(deps, reactionTarget(cid, mid), emoji).filter((id) => !after || BigInt(id) > BigInt(after));
    return ok(ids.slice(0, limit).map((id) => userPayload(store.users.get(id)!)));
  });

  // Guilds (read-only views the bot may fetch).
  const guild = (id: string) => {
    const g = store.guilds.get(id);
    if (!g) throw unknownGuild();
    return g;
  };
  on("GET", "/guilds/:id", ({ params: [id] }) => ok(guildPayload(guild(id))));
  on("GET", "/guilds/:id/channels", ({ params: [id] }) =>
    ok(
      guildChannels(store, guild(id).id)
        .filter((c) => c.type !== ChannelType.PublicThread && c.type !== ChannelType.PrivateThread)
        .map((c) => channelPayload(store, c)),
    ),
  );
  on("GET", "/guilds/:id/roles", ({ params: [id] }) => ok(guild(id).roles.map(rolePayload)));
  on("GET", "/guilds/:id/members/:id", ({ params: [gid, uid] }) => {
    const m = guild(gid).members[uid];
    if (!m) throw unknownMember();
    return ok(memberPayload(store, m));
  });
  on("GET", "/guilds/:id/members", ({ params: [gid], query }) =>
    ok(
      Object.values(guild(gid).members)
        .slice(0, Number(query.get("limit") ?? 1) || 1)
        .map((m) => memberPayload(store, m)),
    ),
  );

  function channelMessage(cid: string, mid: string) {
    requireChannel(deps, cid);
    const msg = store.messages.get(mid);
    if (!msg || msg.channel_id !== cid || (msg.flags ?? 0) & MessageFlags.Ephemeral) throw unknownMessage();
    return msg;
  }

  return async (req, res, rawPath) => {
    let path: string;
    try {
      path = rawPath.split("/").map(decodeURIComponent).join("/");
    } catch {
      path = "/\u0000invalid";
    }
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://x");
    let status: number;
    let body: unknown;
    let headers: Record<string, string> = {};
    try {
      const matching = routes.filter((r) => r.pattern.test(path));
      if (matching.length === 0) throw notFound();
      const route = matching.find((r) => r.method === method);
      if (!route) throw methodNotAllowed();
      if (route.auth && req.headers.authorization !== `Bot ${store.botToken}`) throw unauthorized();
      const limit = deps.rateLimiter.check(method, path);
      headers = limit.headers;
      if (limit.status === 429) {
        await readBody(req).catch(() => undefined);
        status = 429;
        body = limit.body;
      } else {
        const { json, files } = await readBody(req);
        const params = route.pattern.exec(path)!.slice(1);
        deps.log.debug({ method, path }, "rest");
        const out = route.handler({ params, query: url.searchParams, json, files });
        status = out.status;
        body = out.body;
      }
    } catch (err) {
      if (err instanceof DiscordHttpError) {
        status = err.status;
        body = err.body();
      } else {
        deps.log.error({ err: String(err), stack: (err as Error).stack, method, path }, "discord stand-in: internal error");
        status = 500;
        body = { message: "500: Internal Server Error", code: 0 };
      }
    }
    const payload = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      ...(payload ? { "content-type": "application/json" } : {}),
      "content-length": Buffer.byteLength(payload),
    });
    res.end(payload);
  };
}
