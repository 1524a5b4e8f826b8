// The chat pane (local mode): act as a Discord user of the seeded guild — pick who you are, read
// channels and threads, run the registered slash commands, press buttons, follow the answer live.
// Everything goes through the Discord stand-in's driver over HTTP (driver-client.ts), so the pane
// shows what Discord would show. Actions are POST → redirect → GET; bad input gets a plain-words
// error and runs nothing.
import type { ServerResponse } from "node:http";
import type { PaneHandler } from "../page.ts";
import { optionsFromForm } from "./commands.ts";
import { DriverError, driverClient, type DriverClient } from "./driver-client.ts";
import { readForm, refusal } from "./guard.ts";
import { chatHref, liveParts, pageHtml } from "./page-html.ts";
import { loadView, type ChatView } from "./view.ts";

export interface ChatPaneOptions {
  /** The Discord stand-in's driver base, e.g. http://127.0.0.1:PORT/_driver */
  driverUrl: string;
  /** The seeded guild's id. */
  guildId: string;
  /** The people of local mode (role → username). */
  people: Record<string, string>;
}

/** Bad input from the person using the page: shown to them, nothing done. */
class Refused extends Error {}

export function createChatPane(o: ChatPaneOptions): PaneHandler {
  const driver = driverClient(o.driverUrl);
  return async (req, res, path) => {
    const url = new URL(req.url ?? "/", "http://pane");
    const why = refusal(req);
    if (why) return void text(res, 403, why);
    // The pane's root as the browser sees it ("/chat/"): redirects and relative links start there.
    if (path === "/" && !url.pathname.endsWith("/")) return void redirect(res, `${url.pathname}/${url.search}`);
    const root = `${url.pathname.slice(0, url.pathname.length - path.length)}/`;
    const q = url.searchParams;
    if (req.method === "GET" && path === "/") return page(res, await view(q), q, 200);
    if (req.method === "GET" && path === "/live") {
      // The command form as the page would draw it for this address (without typed values: the page keeps its own).
      const parts = liveParts(await view(q), { chosen: q.get("command") ?? undefined, values: new URLSearchParams() });
      const body = JSON.stringify(Object.fromEntries(Object.entries(parts).map(([k, f]) => [k, { html: f.markup.text, hash: f.hash }])));
      return void res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(body);
    }
    const act = ACTIONS[path];
    if (!act) return void text(res, 404, `The chat pane has no page ${path}.`);
    if (req.method !== "POST") return void text(res, 405, `${path} is an action: send it with POST from the chat page.`);
    let form: URLSearchParams;
    try {
      form = await readForm(req);
    } catch (err) {
      return void text(res, 400, (err as Error).message);
    }
    const v = await view(form);
    // An unknown person, channel or interaction: the page says which (as it does for an address), nothing runs.
    if (v.problems.length) return page(res, v, form, 400);
    try {
      if (!v.viewer) throw new Refused("Pick who you are (under “You are”) first.");
      const id = await act(driver, { ...v, viewer: v.viewer }, form);
      // Back to the channel, following the interaction; "#reply" scrolls to where its answer comes.
      redirect(res, `${root}${chatHref(v.viewer, v.channelId, id).slice(2)}#reply`);
    } catch (err) {
      if (!(err instanceof Refused || err instanceof DriverError)) throw err;
      page(res, v, form, 400, err.message);
    }
  };

  function view(q: URLSearchParams): Promise<ChatView> {
    return loadView(driver, o.guildId, {
      as: q.get("as") || undefined,
      channel: q.get("channel") || undefined,
      interaction: q.get("interaction") || undefined,
    });
  }

  function page(res: ServerResponse, v: ChatView, q: URLSearchParams, status: number, error?: string): void {
    const body = pageHtml(v, { people: o.people, error, values: q, chosen: q.get("command") ?? undefined });
    res.writeHead(status === 200 && v.problems.length ? 404 : status, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
    });
    res.end(body);
  }
}

type Action = (driver: DriverClient, v: ChatView & { viewer: string }, form: URLSearchParams) => Promise<string>;

/** POST routes: each returns the id of the interaction it started. */
const ACTIONS: Record<string, Action> = {
  "/run": async (driver, v, form) => {
    const value = (form.get("command") ?? "").trim().replace(/^\//, "");
    if (!value) throw new Refused("Pick a command first.");
    const entry = v.entries.find((e) => e.value === value);
    if (!entry)
      throw new Refused(
        `There is no command “/${value}” registered in ${v.guild.name} or globally. Pick one from the list (${v.entries.map((e) => `/${e.value}`).join(", ") || "none yet"}).`,
      );
    let options: Record<string, string | number | boolean>;
    try {
      options = optionsFromForm(entry, form);
    } catch (err) {
      throw new Refused((err as Error).message);
    }
    return driver.runCommand({ user: v.viewer, channel: v.channelId, name: entry.name, subcommand: entry.subcommand, options });
  },
  "/click": async (driver, v, form) => {
    // The message may be elsewhere (an ephemeral reply is in no channel list): the driver checks it exists and is visible.
    const message = form.get("message") ?? "";
    if (!/^\d+$/.test(message)) throw new Refused("Say which message the button is on.");
    const select = form.get("select");
    if (select) return driver.chooseOption({ user: v.viewer, message, customId: select, values: form.getAll("values") });
    const customId = form.get("custom_id");
    if (!customId) throw new Refused("Say which button was pressed.");
    return driver.clickButton({ user: v.viewer, message, customId });
  },
  "/modal": async (driver, v, form) => {
    const interaction = form.get("interaction") ?? "";
    if (!/^\d+$/.test(interaction)) throw new Refused("Say which form this answers.");
    const values: Record<string, string> = {};
    for (const [k, val] of form) if (k.startsWith("field.")) values[k.slice(6)] = val;
    return driver.submitModal({ user: v.viewer, interaction, values });
  },
};

function text(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(message);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location }).end();
}
