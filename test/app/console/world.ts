// The console's tests: the real app (harness.ts: the GitHub stand-in, Probot, node:sqlite)
// with its console signed in by the console token (production auth), and small HTTP helpers
// that fetch its pages as a browser would — a bearer header (headless), or a session cookie
// from the sign-in form (the way a person pastes the token once).
import type { ConsoleAuthOptions } from "../../../app/console/auth/index.ts";
import { actor, startWorld } from "../harness.ts";
import type { World } from "../harness.ts";

export const CONSOLE_TOKEN = "console-token-0123456789abcdef0123456789";

export async function startConsoleWorld(console: ConsoleAuthOptions = { mode: "production", token: CONSOLE_TOKEN }): Promise<World> {
  const w = await startWorld({
    policy: { rateLimits: { maxOpenPrs: 20, perRequesterPerHour: 100, globalPerMinute: 100, burst: { edits: 100, windowSeconds: 300 } } },
  });
  // The console's sign-in is part of the app's configuration (OURO_CONSOLE, OURO_CONSOLE_TOKEN).
  w.config.console = console;
  await w.restart();
  return w;
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
