// The self-edit agent's public API. The request it works from is contract/change-request.ts.
export { runAgent, runFollowUp } from "./run.ts";
export type { AgentOptions, AgentResult, AgentSuccess, FailureReport, FollowUpOptions, Timings, AgentLogger } from "./run.ts";
export { parseChangeRequest, RequestError } from "./request.ts";
export type { FeedbackItem } from "./prompt.ts";
export { selectFeedback, similarity, type FeedbackRecord } from "./feedback.ts";
export { DEFAULT_BUDGETS, type Budgets } from "./budgets.ts";
export { modelFromEnv } from "./model.ts";
