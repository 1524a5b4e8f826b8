// The agent's boundary: whatever it is handed is validated with the one change-request schema
// (contract/change-request.ts, whose recipes are contract/recipe.ts) before anything is
// touched; a request that fails gets a clear error listing every bad field.
import { z } from "zod";
import { changeRequestSchema, type ChangeRequest } from "../../contract/change-request.ts";

export class RequestError extends Error {
  readonly error: z.ZodError;
  constructor(error: z.ZodError) {
    super(`invalid change request:\n${z.prettifyError(error)}`);
    this.error = error;
  }
}

/** Validates a change request; throws RequestError naming every problem with its field. */
export function parseChangeRequest(input: unknown): ChangeRequest {
  const parsed = changeRequestSchema.safeParse(input);
  if (!parsed.success) throw new RequestError(parsed.error);
  return parsed.data;
}
