// Where a change is in its lifecycle. The app moves it (app/lifecycle/states.ts says along
// which edges); the bot shows it in the request's thread from the progress events.
import { z } from "zod";

export const CHANGE_STATES = ["queued", "working", "pr", "checks", "review", "merged", "deployed", "rolled-back", "failed"] as const;
export const FINAL_STATES: readonly ChangeState[] = ["deployed", "rolled-back", "failed"];
export const changeStateSchema = z.enum(CHANGE_STATES);
export type ChangeState = z.infer<typeof changeStateSchema>;
