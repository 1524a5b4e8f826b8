// Credentials as GitHub checks them: an App's RS256 JWT (verified against the public key the
// stand-in registered), installation tokens (`ghs_…`, one hour) and personal tokens (`ghp_…`).
import { createPublicKey, randomBytes, verify } from "node:crypto";
import { HttpError } from "./router.ts";
import type { Auth } from "./router.ts";
import type { Store } from "./store.ts";

const badCredentials = (): HttpError => new HttpError(401, "Bad credentials");

export function newToken(prefix: "ghs" | "ghp" | "ghu" | "ghr"): string {
  return `${prefix}_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;
}

function b64json(part: string): Record<string, unknown> {
  const v = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
  return v as Record<string, unknown>;
}

export function looksLikeJwt(token: string): boolean {
  return token.split(".").length === 3 && token.startsWith("eyJ");
}

/** Verifies an App JWT as GitHub does; returns the app or throws 401. */
export function verifyAppJwt(store: Store, jwt: string, nowMs = Date.now()): Auth & { kind: "app" } {
  const [h, p, s] = jwt.split(".");
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = b64json(h);
    payload = b64json(p);
  } catch {
    throw new HttpError(401, "A JSON web token could not be decoded");
  }
  if (header.alg !== "RS256") throw new HttpError(401, "A JSON web token could not be decoded");
  const iss = payload.iss;
  const app =
    typeof iss === "number" || (typeof iss === "string" && /^\d+$/.test(iss))
      ? store.data.apps[String(iss)]
      : Object.values(store.data.apps).find((a) => a.clientId === iss);
  if (!app) throw new HttpError(401, "Integration not found");
  const ok = verify("sha256", Buffer.from(`${h}.${p}`), createPublicKey(app.publicKeyPem), Buffer.from(s, "base64url"));
  if (!ok) throw new HttpError(401, "A JSON web token could not be decoded");
  const nowS = Math.floor(nowMs / 1000);
  const exp = Number(payload.exp);
  const iat = Number(payload.iat);
  if (!Number.isFinite(exp) || !Number.isFinite(iat))
    throw new HttpError(401, "'Expiration time' claim ('exp') and 'Issued at' claim ('iat') are required");
  if (exp <= nowS)
    throw new HttpError(
      401,
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    );
  if (exp - iat > 600) throw new HttpError(401, "'Expiration time' claim ('exp') is too far in the future");
  if (iat > nowS + 60)
    throw new HttpError(401, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
  return { kind: "app", app };
}

/** Parses `Authorization: token X` / `Bearer X` / Basic and resolves it. */
export function authenticate(store: Store, header: string | undefined): Auth | null {
  if (!header) return null;
  const m = /^(token|bearer|basic)\s+(\S+)$/i.exec(header.trim());
  if (!m) throw badCredentials();
  let token = m[2];
  if (m[1].toLowerCase() === "basic") {
    const decoded = Buffer.from(token, "base64").toString("utf8");
    token = decoded.slice(decoded.indexOf(":") + 1);
  }
  if (looksLikeJwt(token)) return verifyAppJwt(store, token);
  return resolveToken(store, token);
}

export function resolveToken(store: Store, token: string): Auth {
  const rec = store.data.tokens[token];
  if (!rec) throw badCredentials();
  if (rec.expiresAt && Date.parse(rec.expiresAt) <= Date.now()) throw badCredentials();
  if (rec.kind === "user") return { kind: "user", login: rec.login as string, token };
  const installation = store.data.installations[String(rec.installationId)];
  if (!installation) throw badCredentials();
  const own = store.data.apps[String(installation.appId)];
  // A narrowed token acts as its App with only the permissions it was created with.
  const app = rec.permissions ? { ...own, permissions: rec.permissions } : own;
  return { kind: "installation", installation, app, login: `${own.slug}[bot]`, token };
}
