// The self-edit agent's public API.
export { runAgent, runFollowUp, branchFor } from "./run.ts";
export type { AgentOptions, AgentResult, AgentSuccess, FailureReport, FollowUpOptions, Timings, AgentLogger } from "./run.ts";
export { parseChangeRequest, RequestError, changeRequestSchema, recipeSchema } from "./request.ts";
export type { ChangeRequest, ChangeRequestInput, Recipe } from "./request.ts";
export type { FeedbackItem } from "./prompt.ts";
export { selectFeedback, similarity, type FeedbackRecord } from "./feedback.ts";
export { DEFAULT_BUDGETS, type Budgets } from "./budgets.ts";
export { modelFromEnv } from "./model.ts";
