// The model client from the environment: any OpenAI-compatible endpoint.
import OpenAI from "openai";

/** `OPENAI_BASE_URL` (optional), `OPENAI_API_KEY`, `OURO_MODEL` (else the policy's agent.model). */
export function modelFromEnv(env: NodeJS.ProcessEnv = process.env): { client: OpenAI; model?: string } | undefined {
  const apiKey = env.OPENAI_API_KEY;
  if (!apiKey) return undefined;
  const client = new OpenAI({ apiKey, baseURL: env.OPENAI_BASE_URL || undefined, maxRetries: 3, timeout: 120_000 });
  return { client, model: env.OURO_MODEL || undefined };
}
