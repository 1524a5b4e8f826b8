// A tiny browser for tests: fetch with a cookie jar (Path, Max-Age=0, per origin), redirects
// followed by hand so each hop can be seen, and the hidden fields of a page's form.

interface Cookie {
  value: string;
  path: string;
}

export interface Hop {
  url: string;
  status: number;
}

export class Browser {
  private readonly jar = new Map<string, Map<string, Cookie>>();

  /** The cookie `name` this browser holds for `origin`, if any. */
  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(new URL(origin).origin)?.get(name)?.value;
  }

  /** One request, no redirect followed; cookies sent and stored. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const cookies = [...(this.jar.get(u.origin) ?? new Map<string, Cookie>()).entries()]
      .filter(([, c]) => u.pathname === c.path || u.pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`))
      .map(([k, c]) => `${k}=${c.value}`);
    const headers = new Headers(init.headers);
    if (cookies.length) headers.set("cookie", cookies.join("; "));
    const res = await fetch(u, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) this.store(u, line);
    return res;
  }

  /** Follows redirects (GET after the first hop) until a page answers or `stopAt` is reached; returns the hops. */
  async follow(
    url: string,
    init: RequestInit = {},
    stopAt?: (url: string) => boolean,
  ): Promise<{ res: Response; hops: Hop[]; url: string }> {
    const hops: Hop[] = [];
    let at = url;
    let res = await this.fetch(at, init);
    for (let i = 0; i < 20; i++) {
      hops.push({ url: at, status: res.status });
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) return { res, hops, url: at };
      await res.arrayBuffer();
      at = new URL(location, at).toString();
      if (stopAt?.(at)) return { res, hops, url: at };
      res = await this.fetch(at);
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Posts a urlencoded form, following the redirects. */
  submit(url: string, fields: Record<string, string>, stopAt?: (url: string) => boolean) {
    return this.follow(
      url,
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() },
      stopAt,
    );
  }

  private store(u: URL, line: string): void {
    const [pair, ...attrs] = line.split(";").map((s) => s.trim());
    const i = pair.indexOf("=");
    const name = pair.slice(0, i);
    const value = pair.slice(i + 1);
    let path = "/";
    let remove = value === "";
    for (const a of attrs) {
      const [k, v = ""] = a.split("=");
      if (k.toLowerCase() === "path") path = v;
      if (k.toLowerCase() === "max-age" && Number(v) <= 0) remove = true;
    }
    let m = this.jar.get(u.origin);
    if (!m) this.jar.set(u.origin, (m = new Map()));
    if (remove) m.delete(name);
    else m.set(name, { value, path });
  }
}

const unescape = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** The first form's action (absolute) and its hidden fields. */
export function formOf(html: string, base: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error(`no form in the page: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const m of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = unescape(m[2]);
  return { action: new URL(unescape(form[1]), base).toString(), fields };
}
