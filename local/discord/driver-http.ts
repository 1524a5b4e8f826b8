// The driver over HTTP (for local mode's pages and other processes). JSON in, JSON out; errors are
// `{ error }` with 400 (bad input), 404 (unknown route) or 504 (a wait timed out).
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { Driver, InteractionHandle } from "./driver.ts";
import { readRaw } from "./http-util.ts";

const optionValue = z.union([z.string(), z.number(), z.boolean()]);
const waitFor = z.enum(["none", "response", "reply", "followup", "edit"]).default("reply");
const schemas = {
  user: z.object({
    name: z.string(),
    globalName: z.string().optional(),
    guild: z.string().optional(),
    roles: z.array(z.string()).optional(),
  }),
  member: z.object({ user: z.string(), guild: z.string().optional(), roles: z.array(z.string()).optional() }),
  role: z.object({
    name: z.string(),
    guild: z.string().optional(),
    permissions: z.union([z.string(), z.number(), z.array(z.string())]).optional(),
  }),
  channel: z.object({
    name: z.string(),
    guild: z.string().optional(),
    topic: z.string().optional(),
    category: z.boolean().optional(),
    parent: z.string().optional(),
  }),
  command: z.object({
    user: z.string(),
    guild: z.string().optional(),
    channel: z.string(),
    name: z.string(),
    subcommand: z.string().optional(),
    options: z.record(z.string(), optionValue).optional(),
    wait: waitFor,
    timeoutMs: z.number().int().positive().max(120_000).optional(),
  }),
  button: z.object({
    user: z.string(),
    message: z.string(),
    customId: z.string(),
    wait: waitFor,
    timeoutMs: z.number().int().positive().max(120_000).optional(),
  }),
  select: z.object({
    user: z.string(),
    message: z.string(),
    customId: z.string(),
    values: z.array(z.string()),
    wait: waitFor,
    timeoutMs: z.number().int().positive().max(120_000).optional(),
  }),
  react: z.object({ user: z.string(), message: z.string(), emoji: z.string().min(1), remove: z.boolean().optional() }),
  autocomplete: z.object({
    user: z.string(),
    guild: z.string().optional(),
    channel: z.string(),
    name: z.string(),
    subcommand: z.string().optional(),
    focused: z.string(),
    options: z.record(z.string(), optionValue).optional(),
    timeoutMs: z.number().int().positive().max(120_000).optional(),
  }),
  modal: z.object({
    user: z.string(),
    interaction: z.string(),
    values: z.record(z.string(), z.string()),
    wait: waitFor,
    timeoutMs: z.number().int().positive().max(120_000).optional(),
  }),
  editMessage: z.object({ user: z.string(), content: z.string().min(1).max(2000) }),
  deleteMessage: z.object({ user: z.string() }),
  say: z.object({
    user: z.string(),
    channel: z.string(),
    content: z.string().min(1).max(2000),
    guild: z.string().optional(),
    replyTo: z.string().optional(),
  }),
  waitMessage: z.object({
    channel: z.string(),
    user: z.string().optional(),
    contains: z.string().optional(),
    fromBot: z.boolean().default(true),
    includeExisting: z.boolean().default(false),
    timeoutMs: z.number().int().positive().max(120_000).optional(),
  }),
  waitThread: z.object({
    parent: z.string().optional(),
    name: z.string().optional(),
    timeoutMs: z.number().int().positive().max(120_000).optional(),
  }),
  rateLimit: z.object({
    route: z.string().optional(),
    retryAfter: z.number().positive().max(60),
    global: z.boolean().optional(),
    count: z.number().int().positive().optional(),
  }),
  invalidate: z.object({ resumable: z.boolean().default(false), session: z.string().optional() }),
  reconnect: z.object({ session: z.string().optional() }),
};

class BadInput extends Error {}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new BadInput(z.prettifyError(r.error).replace(/\n/g, " "));
  return r.data;
}

async function settle(h: InteractionHandle, wait: z.infer<typeof waitFor>, timeoutMs?: number): Promise<unknown> {
  const base = { interaction: { id: h.id, payload: h.payload } };
  if (wait === "none") return base;
  if (wait === "response") return { ...base, response: await h.response(timeoutMs) };
  if (wait === "followup") return { ...base, followUps: await h.followUps(1, timeoutMs) };
  if (wait === "edit") return { ...base, edits: await h.edits(1, timeoutMs) };
  return { ...base, reply: await h.reply(timeoutMs) };
}

export function createDriverHttp(driver: Driver): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  type H = (body: unknown, m: RegExpExecArray, q: URLSearchParams) => unknown;
  const routes: [string, RegExp, H][] = [
    ["GET", /^\/$/, () => ({ guild: driver.guild(), sessions: driver.sessions() })],
    ["GET", /^\/guild$/, (_b, _m, q) => driver.guild(q.get("guild") ?? undefined)],
    ["POST", /^\/users$/, (b) => driver.createUser(parse(schemas.user, b))],
    ["POST", /^\/members$/, (b) => (driver.addMember(parse(schemas.member, b)), { ok: true })],
    ["POST", /^\/roles$/, (b) => driver.createRole(parse(schemas.role, b))],
    ["POST", /^\/channels$/, (b) => driver.createChannel(parse(schemas.channel, b))],
    [
      "GET",
      /^\/channels\/([^/]+)\/messages$/,
      (_b, m, q) => driver.messages(decodeURIComponent(m[1]), { user: q.get("user") ?? undefined }),
    ],
    ["POST", /^\/messages$/, (b) => driver.say(parse(schemas.say, b))],
    ["GET", /^\/messages\/(\d+)$/, (_b, m) => driver.message(m[1]) ?? Promise.reject(new BadInput(`unknown message ${m[1]}`))],
    ["POST", /^\/messages\/(\d+)\/edit$/, (b, m) => driver.editMessage({ ...parse(schemas.editMessage, b), message: m[1] })],
    [
      "POST",
      /^\/messages\/(\d+)\/delete$/,
      (b, m) => (driver.deleteMessage({ ...parse(schemas.deleteMessage, b), message: m[1] }), { ok: true }),
    ],
    ["GET", /^\/threads$/, (_b, _m, q) => driver.threads(q.get("parent") ?? undefined)],
    ["GET", /^\/commands$/, (_b, _m, q) => driver.commands(q.get("guild") ?? undefined)],
    ["GET", /^\/sessions$/, () => driver.sessions()],
    ["GET", /^\/interactions\/(\d+)$/, (_b, m) => driver.interaction(m[1]) ?? Promise.reject(new BadInput(`unknown interaction ${m[1]}`))],
    [
      "POST",
      /^\/commands\/run$/,
      (b) => {
        const { wait, ...input } = parse(schemas.command, b);
        return settle(driver.runCommand(input), wait, input.timeoutMs);
      },
    ],
    [
      "POST",
      /^\/buttons\/click$/,
      (b) => {
        const { wait, ...input } = parse(schemas.button, b);
        return settle(driver.clickButton(input), wait, input.timeoutMs);
      },
    ],
    [
      "POST",
      /^\/selects\/choose$/,
      (b) => {
        const { wait, ...input } = parse(schemas.select, b);
        return settle(driver.selectOption(input), wait, input.timeoutMs);
      },
    ],
    [
      "POST",
      /^\/commands\/autocomplete$/,
      async (b) => {
        const input = parse(schemas.autocomplete, b);
        const h = driver.autocomplete(input);
        return { interaction: { id: h.id }, choices: await h.choices(input.timeoutMs) };
      },
    ],
    [
      "POST",
      /^\/modals\/submit$/,
      async (b) => {
        const { wait, interaction, ...input } = parse(schemas.modal, b);
        return settle(await driver.submitModal({ ...input, to: interaction }), wait, input.timeoutMs);
      },
    ],
    ["POST", /^\/reactions$/, (b) => ({ changed: driver.react(parse(schemas.react, b)) })],
    [
      "POST",
      /^\/wait\/message$/,
      (b) => {
        const w = parse(schemas.waitMessage, b);
        return driver.waitForMessage(
          w.channel,
          (msg) => (!w.fromBot || msg.author.bot === true) && (w.contains === undefined || msg.content.includes(w.contains)),
          w,
        );
      },
    ],
    [
      "POST",
      /^\/wait\/thread$/,
      (b) => {
        const w = parse(schemas.waitThread, b);
        return driver.waitForThread(w, w);
      },
    ],
    ["POST", /^\/ratelimit$/, (b) => (driver.injectRateLimit(parse(schemas.rateLimit, b)), { ok: true })],
    ["POST", /^\/gateway\/reconnect$/, (b) => ({ sessions: driver.reconnect(parse(schemas.reconnect, b).session) })],
    [
      "POST",
      /^\/gateway\/invalidate$/,
      (b) => {
        const i = parse(schemas.invalidate, b);
        return { sessions: driver.invalidateSession(i.resumable, i.session) };
      },
    ],
  ];
  return async (req, res, path) => {
    const url = new URL(req.url ?? "/", "http://x");
    let status = 200;
    let out: unknown;
    try {
      const route = routes.find(([method, re]) => method === req.method && re.test(path));
      if (!route) {
        status = 404;
        out = { error: `no driver route ${req.method} /_driver${path}` };
      } else {
        const raw = await readRaw(req);
        let body: unknown;
        try {
          body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
        } catch {
          throw new BadInput("body is not valid JSON");
        }
        out = await route[2](body, route[1].exec(path)!, url.searchParams);
      }
    } catch (err) {
      const message = (err as Error).message;
      status = err instanceof BadInput || !/timed out/.test(message) ? 400 : 504;
      out = { error: message };
    }
    const text = JSON.stringify(out ?? null);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
}
