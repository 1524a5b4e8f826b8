// The bot ⇄ app protocol. The bot holds no GitHub credentials: it hands change requests
// to the Ouro app and hears back progress. Both sides validate with these schemas.
//
// HTTP, JSON, every request carries `Authorization: Bearer <OURO_APP_TOKEN>`:
//   POST /bot/v1/changes                 ChangeRequest            → 201 SubmitResult (200: joined an open change)
//   GET  /bot/v1/changes?limit=N                                  → { changes: ChangeSummary[] }
//   GET  /bot/v1/status                                           → AppStatus
//   POST /bot/v1/changes/:id/rollback    { by: Actor }            → RollbackResult
//   POST /bot/v1/changes/:id/votes       { voter: Actor, vote }   → VoteResult
//   POST /bot/v1/stop | /bot/v1/resume   { by: Actor }            → { stopped }
//   POST /bot/v1/errors                  RuntimeErrorReport       → 202
//   POST /bot/v1/links                   LinkStart                → LinkStarted (a one-time code)
//   POST /bot/v1/links/remove            { by: Actor }            → LinkRemoved
//   POST /bot/v1/forget                  { by: Actor }            → ForgetResult (/forget: erases what the app keeps about `by`)
//   GET  /bot/v1/events  (text/event-stream; `Last-Event-ID` resumes) → `event: progress`, data ProgressEvent
// Errors: non-2xx with { error: string } — the message is shown to the Discord user as is.
// A submit is idempotent by its id and takes effect only once its answer was written: the bot
// retries it with the same id on transport failures and 5xx (a retry gets the same change and
// tracking issue); a request the bot gave up on is cancelled by the app, and its id then gets a
// 409 saying so. 409 also refuses a request for a plugin or setting an open change is already
// changing differently (the message links that change).
import { z } from "zod";
import { originSchema } from "./change-request.ts";
import { changeStateSchema } from "./change-state.ts";
import { recipeSchema } from "./recipe.ts";

/** The recipe on the wire is the one recipe schema (contract/recipe.ts). */
export { recipeSchema, type Recipe } from "./recipe.ts";

export const API_PREFIX = "/bot/v1";

export const actorSchema = z.object({
  discordId: z.string().min(1),
  name: z.string().min(1),
  roles: z.array(z.string()),
});
export type Actor = z.infer<typeof actorSchema>;

/**
 * What the bot submits. The app turns it into the one change request it stores and the agent
 * works from (contract/change-request.ts): the requester becomes `{ source: "discord", … }`
 * and the change id is derived from this request id. The recipe is that same recipe schema.
 */
export const changeRequestSchema = z.object({
  /** Chosen by the bot (idempotency key: resubmitting the same id returns the same change). */
  id: z.string().min(1).max(100),
  requester: actorSchema,
  text: z.string().min(1).max(4000),
  recipe: recipeSchema.optional(),
  /** Where the request was made, for the audit trail. */
  origin: originSchema.optional(),
});
/** The wire form (the app's own is contract/change-request.ts `ChangeRequest`). */
export type ChangeRequest = z.infer<typeof changeRequestSchema>;
export type ChangeRequestInput = z.input<typeof changeRequestSchema>;

export const submitResultSchema = z.object({
  changeId: z.string().min(1),
  trackingIssueUrl: z.url().optional(),
  /**
   * True when the request asked for the same as a change already open (the same requester's
   * same words, or the same recipe from anyone) and joined it: `changeId` is that change.
   */
  joined: z.boolean().optional(),
});
export type SubmitResult = z.infer<typeof submitResultSchema>;

const riskSchema = z.enum(["safe", "low", "medium", "high", "critical"]);

export const votesSchema = z.object({
  up: z.number().int().min(0),
  down: z.number().int().min(0),
  needed: z.number().int().min(0),
  /** The vote's window has ended (policy `votes.windowSeconds`): the tally is final, no more votes. */
  closed: z.boolean().optional(),
});

export const progressEventSchema = z.object({
  changeId: z.string().min(1),
  state: changeStateSchema,
  at: z.string(),
  message: z.string().optional(),
  prUrl: z.url().optional(),
  trackingIssueUrl: z.url().optional(),
  risk: riskSchema.optional(),
  /** Present when the policy asks for community votes. */
  votes: votesSchema.optional(),
});
export type ProgressEvent = z.infer<typeof progressEventSchema>;

export const changeSummarySchema = z.object({
  changeId: z.string(),
  title: z.string(),
  state: changeStateSchema,
  requester: z.string().optional(),
  prUrl: z.url().optional(),
  risk: riskSchema.optional(),
  updatedAt: z.string(),
});
export type ChangeSummary = z.infer<typeof changeSummarySchema>;

export const appStatusSchema = z.object({
  version: z.object({ commit: z.string(), prUrl: z.url().optional(), deployedAt: z.string().optional() }),
  health: z.enum(["ok", "degraded", "down"]),
  pendingChanges: z.number().int().min(0),
  circuitBreaker: z.object({ state: z.enum(["closed", "open", "half-open"]), failures: z.number().int().min(0).optional() }),
  emergencyStop: z.object({ stopped: z.boolean(), by: z.string().optional(), since: z.string().optional() }),
});
export type AppStatus = z.infer<typeof appStatusSchema>;

export const rollbackResultSchema = z.object({ changeId: z.string(), revertPrUrl: z.url().optional(), message: z.string().optional() });
export type RollbackResult = z.infer<typeof rollbackResultSchema>;

export const voteValueSchema = z.enum(["up", "down"]);
export type VoteValue = z.infer<typeof voteValueSchema>;
export const voteResultSchema = z.object({ changeId: z.string(), votes: votesSchema });
export type VoteResult = z.infer<typeof voteResultSchema>;

export const stopResultSchema = z.object({ stopped: z.boolean() });

export const runtimeErrorReportSchema = z.object({
  fingerprint: z.string().regex(/^[0-9a-f]{16,64}$/),
  plugin: z.string(),
  kind: z.enum(["command", "responder", "tool", "core"]),
  name: z.string(),
  message: z.string().max(2000),
  stack: z.string().max(8000).optional(),
  timeout: z.boolean(),
  count: z.number().int().min(1),
  firstSeen: z.string(),
  version: z.string().optional(),
});
export type RuntimeErrorReport = z.infer<typeof runtimeErrorReportSchema>;

/**
 * A GitHub login a Discord user may link (/link github): GitHub's own rule, 1–39 letters,
 * digits and single dashes, not starting or ending with a dash; never an App (`[bot]`).
 */
export const linkableLoginSchema = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, {
  message: "is not a GitHub login (1–39 letters, digits and single dashes, not starting or ending with a dash)",
});

/** `/link github login:<name>`: the Discord user asks to link that login; the app answers with a code. */
export const linkStartSchema = z.object({ user: actorSchema, login: linkableLoginSchema });
export type LinkStart = z.infer<typeof linkStartSchema>;

/**
 * The one-time code the GitHub user posts as `/ouro link <code>` (on `postOn`, or on any issue
 * or pull request of the repository) from the login it was issued for, before `expiresAt`.
 */
export const linkStartedSchema = z.object({ login: z.string(), code: z.string(), expiresAt: z.string(), postOn: z.url() });
export type LinkStarted = z.infer<typeof linkStartedSchema>;

/** The login that was linked (null: there was none). */
export const linkRemovedSchema = z.object({ removed: z.string().nullable() });
export type LinkRemoved = z.infer<typeof linkRemovedSchema>;

/**
 * What /forget erased in the app's store: the personal data of the caller's finished changes
 * (their audit skeleton stays), the personal fields of audit entries about them, their votes'
 * link to them, their GitHub link. Open changes keep their request until they finish.
 */
export const forgetResultSchema = z.object({
  changes: z.number().int().min(0),
  open: z.number().int().min(0),
  auditEntries: z.number().int().min(0),
  votes: z.number().int().min(0),
  links: z.number().int().min(0),
});
export type ForgetResult = z.infer<typeof forgetResultSchema>;

export const errorBodySchema = z.object({ error: z.string() });
