// One change request, from intake to pull request: what the app stores when a request arrives
// (from Discord through the bot, or from a GitHub issue or comment), reads back, gives the
// agent, and names in the branch, the commit trailer, the PR title and the PR's marker.
// It is validated with this schema wherever it crosses a boundary and never re-described.
// (The bot ⇄ app wire form, what the bot POSTs, is contract/app-link.ts; the app converts it.)
import { z } from "zod";
import { recipeSchema, type Recipe } from "./recipe.ts";
import { stripHidden, visibleText } from "./untrusted-text.ts";

/** A change id: safe in branch names (`ouro/<id>`), markers, paths and the agent's prompts. */
export const CHANGE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const changeIdSchema = z.string().regex(CHANGE_ID, { message: "must be lowercase letters, digits and dashes (≤ 64)" });

/** A GitHub login (or numeric user id); apps end in `[bot]`. */
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

const displayName = visibleText(100);
const roles = z.array(z.string().max(100)).max(250).default([]);
const githubLogin = z.string().regex(GITHUB_LOGIN, { message: "must be a GitHub login" });

/** Who asked: a Discord user (by snowflake) or a GitHub user (by login); never a made-up id. */
export const requesterSchema = z.discriminatedUnion("source", [
  z
    .object({
      source: z.literal("discord"),
      id: z.string().regex(/^\d{1,20}$/, { message: "must be a Discord snowflake" }),
      name: displayName,
      /** The linked GitHub login, when known. */
      login: githubLogin.optional(),
      roles,
    })
    .strict(),
  z
    .object({
      source: z.literal("github"),
      /** The GitHub login (or numeric id) of the user who asked. */
      id: githubLogin,
      name: displayName,
      login: githubLogin.optional(),
      roles,
    })
    .strict(),
]);
export type Requester = z.infer<typeof requesterSchema>;

/** Where a Discord request was made, for the audit trail. */
export const originSchema = z.object({ guildId: z.string().optional(), channelId: z.string() });
export type Origin = z.infer<typeof originSchema>;

export const changeRequestSchema = z
  .object({
    /** The change id (not the bot's request id: the app derives this one, safe for branch names). */
    id: changeIdSchema,
    requester: requesterSchema,
    /** Free text from Discord or GitHub: untrusted. Hidden characters are stripped, not refused. */
    text: z
      .string()
      .min(1)
      .max(4000)
      .transform(stripHidden)
      .refine((s) => s.trim().length > 0, { message: "must not be blank" }),
    recipe: recipeSchema.optional(),
    origin: originSchema.optional(),
  })
  .strict();

export type ChangeRequest = z.infer<typeof changeRequestSchema>;
/** What a caller may give (defaults not yet applied, text not yet stripped). */
export type ChangeRequestInput = z.input<typeof changeRequestSchema>;

/** A Discord actor as the bot sends it on the wire (contract/app-link.ts `Actor`), as a requester. */
export function discordRequester(actor: { discordId: string; name: string; roles: string[] }): Requester {
  return { source: "discord", id: actor.discordId, name: actor.name, roles: actor.roles };
}

/** A GitHub user (issue author, commenter) as a requester. */
export function githubRequester(login: string): Requester {
  return { source: "github", id: login, name: login, login, roles: [] };
}

/**
 * One key per person: `discord:<snowflake>` or `github:<login, lowercased>`. Rate limits
 * count by it, the audit log records it, and the commit trailer `Requested-By:` carries it.
 */
export function requesterKey(r: Requester): string {
  return r.source === "discord" ? `discord:${r.id}` : `github:${(r.login ?? r.id).toLowerCase()}`;
}

/** Where the requester asked, in words: "on Discord" or "on GitHub (@login)". */
export function requestedWhere(r: Requester): string {
  return r.source === "discord" ? "on Discord" : `on GitHub (@${r.login ?? r.id})`;
}

/** The change's own branch. */
export function branchFor(changeId: string): string {
  return `ouro/${changeId}`;
}

/** The hidden marker that ties a tracking issue or a pull request body to its change. */
export function changeMarker(changeId: string): string {
  return `<!-- ouro:change:${changeId} -->`;
}

const CHANGE_MARKER = new RegExp(`<!-- ouro:change:(${CHANGE_ID.source.slice(1, -1)}) -->`);

/** The change id in a body's marker, or null (only trust it in text the App itself wrote). */
export function changeIdIn(body: string | null | undefined): string | null {
  return CHANGE_MARKER.exec(body ?? "")?.[1] ?? null;
}

const TITLE_MAX = 72;

/**
 * The change's title (tracking issue, changes list, commit subject; the PR title is
 * `Ouro: <title>`): the recipe's own words, else the model's title, else the request's first
 * line; one line, hidden characters removed, at most 72 characters.
 */
export function changeTitle(request: { text: string; recipe?: Recipe }, modelTitle?: string): string {
  const r = request.recipe;
  let title: string;
  if (r?.kind === "add-command") title = `Add the /${r.name} command`;
  else if (r?.kind === "add-responder") title = `Add the "${r.name}" auto-response`;
  else if (r?.kind === "set-setting") title = `Set ${r.key} to ${JSON.stringify(r.value)}`;
  else title = oneLine(modelTitle ?? "") || oneLine(firstLine(request.text));
  return title.length > TITLE_MAX ? `${title.slice(0, TITLE_MAX - 1)}…` : title;
}

/** The pull request's title. */
export function prTitle(request: { text: string; recipe?: Recipe }, modelTitle?: string): string {
  return `Ouro: ${changeTitle(request, modelTitle)}`;
}

const firstLine = (text: string) => text.split("\n").find((l) => stripHidden(l).trim()) ?? text;
const oneLine = (s: string) => stripHidden(s).replace(/\s+/g, " ").trim();
