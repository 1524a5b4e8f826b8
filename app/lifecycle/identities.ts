// Linking a Discord user to a GitHub login (/link github): the app issues a one-time code
// for the login the user names; the GitHub user proves the login by posting `/ouro link
// <code>` as a comment from it. Codes are random, stored only as a hash, bound to the login,
// single use and short-lived; a code that is wrong, expired, used, or posted by another
// GitHub user links nothing. The merge gate reads the link: the linked login's approval
// never counts for that Discord user's own requests (review/merge-gate.ts).
import { createHash, randomInt } from "node:crypto";
import type { Logger } from "pino";
import type { Actor, LinkStarted } from "../../contract/app-link.ts";
import type { AppContext } from "../context.ts";
import type { ChangeRow } from "../store/changes.ts";
import type { CommentInput } from "./commands.ts";

/** How long a code may be used. */
export const LINK_CODE_TTL_MS = 15 * 60_000;
/** Letters and digits without look-alikes (0/O, 1/I): 32 symbols, 8 of them ≈ 10¹² codes. */
const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const MARKER = "<!-- ouro:link-accounts -->";

/** Case, dashes and spaces do not matter when the code is typed back. */
const normalize = (code: string) => code.toUpperCase().replace(/[\s-]/g, "");
const hashOf = (code: string) =>
  createHash("sha256")
    .update(`ouro-link:${normalize(code)}`)
    .digest("hex");

function newCode(): string {
  const c = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  return `${c.slice(0, 4)}-${c.slice(4)}`;
}

/** Issues a code for `login` to the Discord user (their earlier code is void) and names the issue to post it on. */
export async function startLink(ctx: AppContext, user: Actor, login: string, log: Logger): Promise<LinkStarted> {
  const code = newCode();
  const expiresAt = ctx.now() + LINK_CODE_TTL_MS;
  const postOn = await linkIssueUrl(ctx);
  ctx.store.identities.addCode(hashOf(code), user.discordId, login, expiresAt);
  ctx.store.audit.record(`link:${ctx.store.identities.keyOf(user.discordId)}`, "link.code", {
    login,
    expiresAt: new Date(expiresAt).toISOString(),
  });
  log.info({ login }, "issued a link code");
  return { login, code, expiresAt: new Date(expiresAt).toISOString(), postOn };
}

export type LinkOutcome = { linked: true; replaced: string | null } | { linked: false; why: string };

/** `/ouro link <code>` from GitHub user `login`: links the Discord user the code was issued to, or says why not. */
export function completeLink(ctx: AppContext, code: string, login: string): LinkOutcome {
  const { identities, audit } = ctx.store;
  const hash = hashOf(code);
  const pending = normalize(code) === "" ? null : identities.codeFor(hash);
  const refuse = (why: string, detail: string): LinkOutcome => {
    audit.record(`link:${pending?.discordKey ?? "-"}`, "link.refused", { login, reason: detail });
    return { linked: false, why };
  };
  const again = "Run `/link github login:<your GitHub login>` in Discord for a new code. Nothing was linked.";
  if (!pending) return refuse(`that link code is not one Ouro issued, or it was used already. ${again}`, "unknown code");
  if (pending.expiresAt <= ctx.now())
    return refuse(`that link code expired (codes last ${LINK_CODE_TTL_MS / 60_000} minutes). ${again}`, "expired");
  if (pending.login.toLowerCase() !== login.toLowerCase())
    return refuse(
      "that link code was issued for another GitHub account: it links only when that account posts it. Nothing was linked.",
      "another login",
    );
  const replaced = identities.loginOfKey(pending.discordKey);
  ctx.store.tx(() => {
    identities.useCode(hash, pending);
    audit.record(`link:${pending.discordKey}`, "link.linked", { login: pending.login, replaced });
  });
  return { linked: true, replaced: replaced && replaced.toLowerCase() !== pending.login.toLowerCase() ? replaced : null };
}

/**
 * A `/ouro link <code>` comment, from any GitHub user (the code, not a role, is what counts):
 * answered once, whatever delivers it again, with what was linked or why nothing was.
 */
export async function onLinkComment(ctx: AppContext, input: CommentInput, code: string, log: Logger): Promise<void> {
  const { keys } = ctx.store;
  await ctx.locks.withLock(`comment:${input.commentId}`, async () => {
    if (keys.commentHandled(input.commentId)) return log.info("ignored a link comment already handled");
    const gh = await ctx.client();
    const out = code
      ? completeLink(ctx, code, input.login)
      : { linked: false as const, why: "give the code Discord showed you: `/ouro link <code>`. Nothing was linked." };
    log.info({ login: input.login, linked: out.linked }, "link comment");
    await gh.commentOnce(
      input.issueNumber,
      `<!-- ouro:reply:${input.commentId} -->`,
      out.linked
        ? `@${input.login} ✅ linked: this GitHub account is now the one linked to the Discord account that asked for the code${out.replaced ? ` (instead of @${out.replaced})` : ""}. Its approvals do not count for that account's own requests.`
        : `@${input.login} ${out.why}`,
    );
    keys.markCommentHandled(input.commentId);
  });
}

/**
 * Who asked for a change, as the merge gate needs it: the GitHub login linked to its Discord
 * requester (null if none), and whether it is a Discord request with no linked login.
 */
export function requesterIdentity(ctx: AppContext, c: ChangeRow): { linkedLogin: string | null; unlinked: boolean } {
  if (c.source !== "discord") return { linkedLogin: null, unlinked: false };
  const r = c.request?.requester;
  const linkedLogin = (r?.source === "discord" ? (ctx.store.identities.loginOf(r.id) ?? r.login) : null) ?? null;
  return { linkedLogin, unlinked: linkedLogin === null };
}

/** Removes the Discord user's link; returns the login that was linked, or null. */
export function unlink(ctx: AppContext, user: Actor): string | null {
  const removed = ctx.store.identities.unlink(user.discordId);
  if (removed) ctx.store.audit.record(`link:${ctx.store.identities.keyOf(user.discordId)}`, "link.removed", { login: removed });
  return removed;
}

/** The issue whose comments take link codes: the App's own, found by its marker, made once. */
async function linkIssueUrl(ctx: AppContext): Promise<string> {
  return ctx.locks.withLock("link-issue", async () => {
    const gh = await ctx.client();
    const known = await gh.findOwnIssue(MARKER);
    if (known) return known.url;
    const body = [
      MARKER,
      "To link your Discord account to this GitHub account, run `/link github login:<your login>` in Discord,",
      "then post the code it gives you here as a comment: `/ouro link <code>` (from the GitHub account you named).",
      "",
      "A linked account's approval never counts for its own Discord requests; a Discord request from an",
      "account that is not linked needs an approval from someone the policy names.",
    ].join("\n");
    return (await gh.createIssue("Link Discord accounts to GitHub", body, [])).url;
  });
}
