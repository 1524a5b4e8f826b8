// `npm run local -- openai [--port N] [--api-key KEY] [--reply TEXT]`: a standalone
// OpenAI-compatible endpoint. Without a script it answers every request with a fixed
// reply (or echoes the last user message), so local mode works with no model at all.
import { parseArgs } from "node:util";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions";
import { startOpenAI } from "./server.ts";

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      "api-key": { type: "string" },
      reply: { type: "string" },
      data: { type: "string" },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const standIn = await startOpenAI({ port, host: values.host, apiKey: values["api-key"] });
  standIn.handle((req) => ({ content: values.reply ?? echo(req) }));
  console.log(`local/openai listening: OPENAI_BASE_URL=${standIn.baseURL} OPENAI_API_KEY=${standIn.apiKey}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await standIn.close();
}

function echo(req: ChatCompletionCreateParams): string {
  const last = [...req.messages].reverse().find((m) => m.role === "user");
  const text = typeof last?.content === "string" ? last.content : JSON.stringify(last?.content ?? "");
  return `(local/openai) you said: ${text}`;
}
