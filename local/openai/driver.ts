// The stand-in's driver over HTTP (`/_driver/…`), for local mode's pages and other
// processes: script turns, inject errors, read what was asked. Local only, no auth.
import { z } from "zod";
import { ApiError } from "./errors.ts";

const toolCall = z
  .object({
    id: z.string().min(1).optional(),
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]),
  })
  .strict();

const turn = z
  .object({
    content: z.string().nullable().optional(),
    toolCalls: z.array(toolCall).optional(),
    finishReason: z.enum(["stop", "length", "tool_calls", "content_filter", "function_call"]).optional(),
    usage: z
      .object({ prompt_tokens: z.number().int().nonnegative().optional(), completion_tokens: z.number().int().nonnegative().optional() })
      .strict()
      .optional(),
  })
  .strict();

const scriptedError = z
  .object({
    error: z
      .object({
        status: z.number().int().min(400).max(599),
        message: z.string().min(1),
        type: z.string().optional(),
        code: z.string().nullable().optional(),
      })
      .strict(),
  })
  .strict();

export const scriptedResponseSchema = z.union([scriptedError, turn]);
export const enqueueSchema = z.object({ responses: z.array(scriptedResponseSchema).min(1).max(1000) }).strict();
export const injectSchema = z
  .object({
    status: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503)]),
    times: z.number().int().min(1).max(100).optional(),
    message: z.string().min(1).optional(),
    retryAfterMs: z.number().int().min(0).max(60_000).optional(),
  })
  .strict();

export const DRIVER_HELP = [
  "GET /_driver → this list",
  "POST /_driver/enqueue {responses: [{content?, toolCalls?: [{name, arguments}], usage?} | {error: {status, message}}]} → {pending}",
  "POST /_driver/errors {status: 429|500|502|503, times?, message?, retryAfterMs?} → {}",
  "GET /_driver/requests → the recorded chat completion request bodies",
  "POST /_driver/reset → clears the queue, injected errors and recorded requests",
];

export function parseDriverBody<T>(schema: z.ZodType<T>, raw: string): T {
  let json: unknown;
  try {
    json = raw.trim() === "" ? {} : JSON.parse(raw);
  } catch {
    throw new ApiError(400, "driver: the body is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ApiError(400, `driver: ${z.prettifyError(parsed.error).replace(/\n/g, " ")}`, {
      code: "invalid_value",
    });
  }
  return parsed.data;
}
