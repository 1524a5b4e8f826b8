// Budgets that stop a run: from the base's policy (`agent` section) when present,
// otherwise these safe defaults. Every limit is finite.
import { z } from "zod";

export const budgetsSchema = z
  .object({
    maxTurns: z.number().int().min(1).max(200).default(24),
    maxTokens: z.number().int().min(1000).max(5_000_000).default(400_000),
    wallTimeMs: z.number().int().min(1000).max(3_600_000).default(600_000),
    /** Rounds of "checks failed → diagnostics back to the model". */
    fixRounds: z.number().int().min(0).max(10).default(3),
    /** Model turns a follow-up (review comment / CI failure) may use. */
    followUpTurns: z.number().int().min(1).max(100).default(12),
    checkTimeoutMs: z.number().int().min(1000).max(900_000).default(180_000),
    memoryMb: z.number().int().min(128).max(8192).default(1536),
  })
  .strict();

export type Budgets = z.infer<typeof budgetsSchema>;
export const DEFAULT_BUDGETS: Budgets = budgetsSchema.parse({});

/** Merges policy values (possibly snake_case, possibly partial) and explicit overrides. */
export function resolveBudgets(...sources: (Record<string, unknown> | undefined)[]): Budgets {
  const merged: Record<string, unknown> = {};
  const keys = Object.keys(DEFAULT_BUDGETS);
  for (const src of sources) {
    for (const [k, v] of Object.entries(src ?? {})) {
      const camel = k.replace(/[_-]([a-z])/g, (_, c: string) => c.toUpperCase());
      if (keys.includes(camel) && v !== undefined) merged[camel] = v;
    }
  }
  return budgetsSchema.parse(merged);
}
