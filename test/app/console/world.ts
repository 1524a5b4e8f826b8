// The console's tests: the real app (harness.ts: the GitHub stand-in, Probot, node:sqlite)
// with its console signed in by the console token (production auth), and small HTTP helpers
// that fetch its pages as a browser would — a bearer header (headless), or a session cookie
// from the sign-in form (the way a person pastes the token once).
import type { ConsoleAuthOptions } from "../../../app/console/auth/index.ts";
import { Browser, formOf } from "../../local/github/browser.ts";
import { actor, startWorld } from "../harness.ts";
import type { World } from "../harness.ts";

export const CONSOLE_TOKEN = "console-token-0123456789abcdef0123456789";

/**
 * The world with the console signed in by the console token and, with `github`, by GitHub
 * sign-in through the App's OAuth web flow on the stand-in.
 */
export async function startConsoleWorld(opts: { github?: boolean; local?: boolean } = {}): Promise<World> {
  const w = await startWorld({
    policy: { rateLimits: { maxOpenPrs: 20, perRequesterPerHour: 100, globalPerMinute: 100, burst: { edits: 100, windowSeconds: 300 } } },
  });
  const console: ConsoleAuthOptions = opts.local
    ? { mode: "local" }
    : {
        mode: "production",
        token: CONSOLE_TOKEN,
        ...(opts.github ? { github: { clientId: w.reg.clientId, clientSecret: w.reg.clientSecret, webUrl: w.gh.url } } : {}),
      };
  // The console's sign-in is part of the app's configuration (OURO_CONSOLE, OURO_CONSOLE_TOKEN, …).
  w.config.console = console;
  await w.restart();
  if (opts.github) w.gh.setCallbackUrls(w.reg.appId, [`${w.app.url}/console/auth/callback`]);
  return w;
}

/** A browser signed in to the console as `login` through GitHub (sign-in page → GitHub → Authorize → back). */
export async function signInWithGitHub(w: World, login: string): Promise<Browser> {
  const b = new Browser();
  const signIn = await (await b.follow(`${w.app.url}/console/auth/sign-in`)).res.text();
  const link = /href="(\/console\/auth\/github[^"]*)"/.exec(signIn)?.[1];
  if (!link) throw new Error("the sign-in page has no GitHub link");
  const toGitHub = await b.follow(new URL(link.replace(/&amp;/g, "&"), w.app.url).toString());
  const form = formOf(await toGitHub.res.text(), toGitHub.url);
  const authorize = await b.submit(form.action, { ...form.fields, login });
  const consent = formOf(await authorize.res.text(), authorize.url);
  const back = await b.submit(consent.action, { ...consent.fields, authorize: "1" }, (u) => u.startsWith(w.app.url));
  await (await b.follow(back.url)).res.arrayBuffer();
  return b;
}

export interface Fetched {
  status: number;
  /** The body with runs of white space made one space, and none between tags (templates are formatted). */
  text: string;
  headers: Headers;
}

const flat = (text: string): string =>
  text.replace(/\s+/g, " ").replace(/> </g, "><").replace(/> /g, ">").replace(/ </g, "<").replace(/ >/g, ">");

/** GET a console path with the bearer token (or `auth` headers of your own). */
export async function get(w: World, path: string, auth: Record<string, string> = bearer()): Promise<Fetched> {
  const res = await fetch(`${w.app.url}${path}`, { headers: auth, redirect: "manual" });
  return { status: res.status, text: flat(await res.text()), headers: res.headers };
}

/** POST a form to a console path. */
export async function post(w: World, path: string, form: Record<string, string>, auth: Record<string, string>): Promise<Fetched> {
  const res = await fetch(`${w.app.url}${path}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
  return { status: res.status, text: flat(await res.text()), headers: res.headers };
}

export const bearer = (token = CONSOLE_TOKEN): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** Signs in by pasting the token on the sign-in page: the session cookie, as headers. */
export async function session(w: World): Promise<Record<string, string>> {
  const res = await fetch(`${w.app.url}/console/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: CONSOLE_TOKEN, next: "/console/" }).toString(),
    redirect: "manual",
  });
  const set = res.headers.getSetCookie().find((c) => c.startsWith("ouro_console="));
  if (!set) throw new Error(`signing in with the token gave no session cookie (HTTP ${res.status})`);
  return { cookie: set.split(";")[0] };
}

/** The CSRF token a page's forms carry. */
export function csrfOf(page: string): string {
  const m = /name="csrf" value="([^"]*)"/.exec(page);
  if (!m) throw new Error("the page has no form with a CSRF token");
  return m[1];
}

let seq = 0;
/** A docs change from Discord through the real flow to its PR (checks not reported yet). */
export async function request(w: World, text: string): Promise<string> {
  const res = await w.api("POST", "/changes", { id: `discord-c${Date.now()}-${++seq}`, requester: actor("700", "dana <b>"), text });
  if (res.status !== 201) throw new Error(`the request was refused: ${JSON.stringify(res.body)}`);
  await w.settle();
  return String(res.body.changeId);
}

/** An SSE event as the console sends it: its name and its data. */
export interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface ConsoleStream {
  /** Resolves with the data of the first event (seen already or to come) that `want` accepts. */
  next(want: (e: StreamEvent) => boolean): Promise<Record<string, unknown>>;
  events: StreamEvent[];
  close(): void;
}

/** Opens /console/events (signed in by the token) and resolves once it is subscribed (`ready`). */
export async function events(w: World): Promise<ConsoleStream> {
  const ac = new AbortController();
  const res = await fetch(`${w.app.url}/console/events`, { headers: bearer(), signal: ac.signal });
  if (res.status !== 200 || !res.headers.get("content-type")?.includes("text/event-stream"))
    throw new Error(`/console/events answered ${res.status} ${res.headers.get("content-type")}`);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const events: StreamEvent[] = [];
  const waiting: {
    want: (e: StreamEvent) => boolean;
    resolve: (d: Record<string, unknown>) => void;
  }[] = [];
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!event || !data) continue;
        const e = { event, data: JSON.parse(data) as Record<string, unknown> };
        events.push(e);
        for (const x of [...waiting])
          if (x.want(e)) {
            waiting.splice(waiting.indexOf(x), 1);
            x.resolve(e.data);
          }
      }
    }
  })();
  const next = (want: (e: StreamEvent) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const seen = events.find(want);
      if (seen) resolve(seen.data);
      else waiting.push({ want, resolve });
    });
  await next((e) => e.event === "ready");
  return { next, events, close: () => ac.abort() };
}

/**
 * A change's page with its GitHub parts: asked for with the stream open, so that if it went
 * out before GitHub answered (“loading from GitHub…”), the `github` event for the change says
 * when to ask again.
 */
export async function fullChangePage(w: World, id: string, auth: Record<string, string> = bearer()): Promise<Fetched> {
  const s = await events(w);
  const used = new Set<StreamEvent>();
  const mine = (e: StreamEvent) => e.data.kind === "github" && e.data.changeId === id && !used.has(e);
  try {
    for (;;) {
      const page = await get(w, `/console/changes/${encodeURIComponent(id)}`, auth);
      if (!page.text.includes('aria-busy="true"')) return page;
      await s.next(mine);
      for (const e of s.events) if (mine(e)) used.add(e);
    }
  } finally {
    s.close();
  }
}
