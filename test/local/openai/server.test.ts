import { afterEach, beforeEach, describe, expect, it } from "vitest";
import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { startOpenAI, type OpenAIStandIn } from "../../../local/openai/index.ts";

let standIn: OpenAIStandIn;
let client: OpenAI;

beforeEach(async () => {
  standIn = await startOpenAI();
  client = new OpenAI({ baseURL: standIn.baseURL, apiKey: standIn.apiKey, maxRetries: 0 });
});
afterEach(async () => {
  await standIn.close();
});

const weatherTool: ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe("local/openai with the official SDK", () => {
  it("does a non-streamed tool-call round trip and records requests", async () => {
    standIn.enqueue(
      {
        toolCalls: [{ id: "call_1", name: "get_weather", arguments: { city: "Paris" } }],
        usage: { prompt_tokens: 11, completion_tokens: 7 },
      },
      { content: "It is sunny in Paris." },
    );
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const first = await client.chat.completions.create({ model: "ouro-local", messages, tools: [weatherTool] });
    const choice = first.choices[0];
    expect(choice.finish_reason).toBe("tool_calls");
    expect(first.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    const call = choice.message.tool_calls![0];
    expect(call.type).toBe("function");
    if (call.type !== "function") throw new Error("expected a function call");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });

    messages.push(choice.message, { role: "tool", tool_call_id: call.id, content: "sunny" });
    const second = await client.chat.completions.create({ model: "ouro-local", messages, tools: [weatherTool] });
    expect(second.choices[0].message.content).toBe("It is sunny in Paris.");
    expect(second.choices[0].finish_reason).toBe("stop");
    expect(standIn.requests).toHaveLength(2);
    expect(standIn.requests[1].messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: "call_1" });
  });

  it("streams text in chunks with usage when asked", async () => {
    const text = "Hello from the local model, streamed in small pieces.";
    standIn.enqueue({ content: text });
    const stream = await client.chat.completions.create({
      model: "ouro-local",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let got = "";
    let chunks = 0;
    let usage: unknown = null;
    let finish: string | null = null;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe("chat.completion.chunk");
      got += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(got).toBe(text);
    expect(chunks).toBeGreaterThan(3);
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ total_tokens: expect.any(Number) });
  });

  it("streams tool calls that the SDK's stream helper assembles", async () => {
    const args = { city: "Reykjavík", units: "metric", details: ["wind", "rain", "temperature"] };
    standIn.enqueue({
      content: "Checking.",
      toolCalls: [
        { name: "get_weather", arguments: args },
        { name: "get_weather", arguments: { city: "Oslo" } },
      ],
    });
    const stream = client.chat.completions.stream({
      model: "ouro-local",
      messages: [{ role: "user", content: "weather?" }],
      tools: [weatherTool],
    });
    const done: string[] = [];
    stream.on("tool_calls.function.arguments.done", (e) => done.push(e.name));
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0].message.tool_calls!;
    expect(calls).toHaveLength(2);
    expect(final.choices[0].message.content).toBe("Checking.");
    const [a, b] = calls.map((c) => (c.type === "function" ? JSON.parse(c.function.arguments) : null));
    expect(a).toEqual(args);
    expect(b).toEqual({ city: "Oslo" });
    expect(done).toEqual(["get_weather", "get_weather"]);
    expect(final.choices[0].finish_reason).toBe("tool_calls");
  });

  it("drives runTools (streaming) with a function of the request", async () => {
    standIn.handle((req) => {
      const last = req.messages.at(-1)!;
      if (last.role === "tool") return { content: `The answer is ${String(last.content)}.` };
      return { toolCalls: [{ name: "add", arguments: { a: 2, b: 40 } }] };
    });
    const runner = client.chat.completions.runTools({
      model: "ouro-local",
      stream: true,
      messages: [{ role: "user", content: "2 + 40?" }],
      tools: [
        {
          type: "function",
          function: {
            name: "add",
            description: "Adds two numbers",
            parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
            parse: (s: string) => JSON.parse(s) as { a: number; b: number },
            function: ({ a, b }: { a: number; b: number }) => String(a + b),
          },
        },
      ],
    });
    expect(await runner.finalContent()).toBe("The answer is 42.");
    expect(standIn.requests).toHaveLength(2);
  });

  it("lists models", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain("ouro-local");
    await expect(client.models.retrieve("nope")).rejects.toMatchObject({ status: 404, code: "model_not_found" });
  });

  it("answers a wrong key with 401 in the API's shape", async () => {
    const bad = new OpenAI({ baseURL: standIn.baseURL, apiKey: "sk-wrong-key-123", maxRetries: 0 });
    const err = await bad.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe("invalid_api_key");
    expect(standIn.requests).toHaveLength(0);
  });

  it("injected 429s are retried by the SDK", async () => {
    standIn.injectError({ status: 429, times: 2, retryAfterMs: 5 });
    standIn.enqueue({ content: "finally" });
    const retrying = new OpenAI({ baseURL: standIn.baseURL, apiKey: standIn.apiKey, maxRetries: 2 });
    const res = await retrying.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
    expect(res.choices[0].message.content).toBe("finally");

    standIn.injectError({ status: 429, times: 1 });
    const err = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe("rate_limit_exceeded");
  });

  it("injected 500 and an empty script give server errors that say why", async () => {
    standIn.injectError({ status: 500, message: "boom" });
    const err = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as Error).message).toMatch(/boom/);

    const empty = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(OpenAI.InternalServerError);
    expect((empty as Error).message).toMatch(/no scripted response/);
  });

  it("rejects bad bodies with 400 in the API's shape", async () => {
    const post = (body: string) =>
      fetch(`${standIn.baseURL}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${standIn.apiKey}`, "content-type": "application/json" },
        body,
      });
    const badJson = await post("{nope");
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({
      error: { type: "invalid_request_error", message: expect.stringMatching(/parse the JSON/) },
    });

    const missing = await post(JSON.stringify({ messages: [{ role: "user", content: "x" }] }));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: {
        message: "Missing required parameter: 'model'.",
        type: "invalid_request_error",
        code: "missing_required_parameter",
        param: "model",
      },
    });

    const orphanTool = await post(JSON.stringify({ model: "m", messages: [{ role: "tool", tool_call_id: "c", content: "x" }] }));
    expect(orphanTool.status).toBe(400);
    expect(((await orphanTool.json()) as { error: { message: string } }).error.message).toMatch(/role 'tool'/);

    const unknownPath = await fetch(`${standIn.baseURL}/nothing`, { headers: { authorization: `Bearer ${standIn.apiKey}` } });
    expect(unknownPath.status).toBe(404);
    expect(standIn.requests).toHaveLength(0);
  });
});
