// Which host a URL literal (or a URL built from a literal base) points at, and whether
// the policy allows it.

/** `example.com` matches itself; `*.example.com` matches any subdomain (not the apex). */
export function hostAllowed(allowed: readonly string[], host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return allowed.some((p) => (p.startsWith("*.") ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p));
}

/**
 * The host of a URL given its known constant prefix, or undefined when the prefix does not
 * pin the host down (e.g. `https://${host}/` or `"https://api.example.com" + rest`, where the
 * rest could continue the host name). A complete URL is parsed exactly as fetch parses it.
 */
export function hostFromPrefix(prefix: string, complete: boolean, base?: string): string | undefined {
  if (complete) {
    try {
      return new URL(prefix, base).hostname;
    } catch {
      return undefined;
    }
  }
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\\]*)([/?#])/i.exec(prefix);
  if (!m) return undefined;
  try {
    return new URL(`${m[1]}://${m[2]}/`).hostname;
  } catch {
    return undefined;
  }
}
