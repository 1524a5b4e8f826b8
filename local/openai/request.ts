// Validation of POST /v1/chat/completions bodies: the fields the stand-in (and the
// real API) needs are checked; everything else passes through as the API accepts it.
import { z } from "zod";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { ApiError } from "./errors.ts";

const toolCallSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal("function"),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

const messageSchema = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("system"), content: z.unknown() }),
  z.looseObject({ role: z.literal("developer"), content: z.unknown() }),
  z.looseObject({ role: z.literal("user"), content: z.unknown() }),
  z.looseObject({
    role: z.literal("assistant"),
    content: z.unknown().optional(),
    tool_calls: z.array(toolCallSchema).optional(),
  }),
  z.looseObject({ role: z.literal("tool"), content: z.unknown(), tool_call_id: z.string().min(1) }),
]);

const toolSchema = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({ name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/), parameters: z.unknown().optional() }),
});

const bodySchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  tools: z.array(toolSchema).optional(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  n: z.number().int().min(1).max(1).nullish(),
});

/** Parses and checks a request body; throws ApiError(400) in the API's shape. */
export function parseChatRequest(raw: string): ChatCompletionCreateParams {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ApiError(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      { code: null },
    );
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ApiError(400, "The request body must be a JSON object.", { code: "invalid_type" });
  }
  const obj = json as Record<string, unknown>;
  for (const field of ["model", "messages"]) {
    if (obj[field] === undefined) {
      throw new ApiError(400, `Missing required parameter: '${field}'.`, { code: "missing_required_parameter", param: field });
    }
  }
  const parsed = bodySchema.safeParse(obj);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
    throw new ApiError(400, `Invalid value for '${param}': ${issue.message}`, { code: "invalid_value", param });
  }
  checkToolPairing(parsed.data.messages);
  return parsed.data as unknown as ChatCompletionCreateParams;
}

type Msg = z.infer<typeof messageSchema>;

/** The real API refuses tool messages that answer no call, and calls left unanswered. */
function checkToolPairing(messages: Msg[]): void {
  let pending = new Set<string>();
  for (const [i, m] of messages.entries()) {
    if (m.role === "tool") {
      if (!pending.has(m.tool_call_id)) {
        throw new ApiError(
          400,
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          { code: null, param: `messages.[${i}].role` },
        );
      }
      pending.delete(m.tool_call_id);
      continue;
    }
    if (pending.size > 0) {
      throw new ApiError(
        400,
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(", ")}`,
        { code: null, param: "messages" },
      );
    }
    pending = new Set(m.role === "assistant" ? (m.tool_calls ?? []).map((c) => c.id) : []);
  }
  if (pending.size > 0) {
    throw new ApiError(
      400,
      `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(", ")}`,
      { code: null, param: "messages" },
    );
  }
}
