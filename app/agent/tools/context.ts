// What every model tool gets: the worktree, the policy's write guard, and a record of
// refused attempts (they go into the report and the PR body).
import { z } from "zod";
import type { WriteGuard } from "../paths.ts";

export interface ToolContext {
  root: string;
  guard: WriteGuard;
  refusals: string[];
  /** Repo-relative paths written so far. */
  written: Set<string>;
  /** Runs typecheck + tests + policy on the current state; returns a readable result. */
  runChecks(): Promise<string>;
}

export interface AgentTool {
  name: string;
  description: string;
  schema: z.ZodType;
  run(args: never, ctx: ToolContext): string | Promise<string>;
}

/** Declares a tool with its zod schema; `run` gets the parsed arguments. */
export function tool<S extends z.ZodType>(def: {
  name: string;
  description: string;
  schema: S;
  run(args: z.infer<S>, ctx: ToolContext): string | Promise<string>;
}): AgentTool {
  return def as unknown as AgentTool;
}

export const repoPath = z.string().min(1).max(300).describe("Path relative to the repository root, forward slashes");
