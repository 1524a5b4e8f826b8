import { afterEach, beforeEach, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { startOpenAI, type OpenAIStandIn } from "../../../local/openai/index.ts";

let standIn: OpenAIStandIn;
let client: OpenAI;
beforeEach(async () => {
  standIn = await startOpenAI();
  client = new OpenAI({ baseURL: standIn.baseURL, apiKey: standIn.apiKey, maxRetries: 0 });
});
afterEach(() => standIn.close());

const post = (path: string, body: unknown) =>
  fetch(`${standIn.url}/_driver${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("local/openai driver over HTTP", () => {
  it("scripts turns and errors and shows what was asked", async () => {
    const help = (await (await fetch(`${standIn.url}/_driver`)).json()) as { endpoints: string[] };
    expect(help.endpoints.join("\n")).toMatch(/POST \/_driver\/enqueue/);

    const queued = await post("/enqueue", { responses: [{ toolCalls: [{ name: "lookup", arguments: { q: "x" } }] }, { content: "done" }] });
    expect(await queued.json()).toEqual({ pending: 2 });
    expect((await post("/errors", { status: 500, message: "driver-made" })).status).toBe(200);

    await expect(client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "a" }] })).rejects.toThrow(/driver-made/);
    const first = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "a" }] });
    expect(first.choices[0].message.tool_calls?.[0]).toMatchObject({ function: { name: "lookup", arguments: '{"q":"x"}' } });

    const recorded = (await (await fetch(`${standIn.url}/_driver/requests`)).json()) as { requests: { messages: unknown[] }[] };
    expect(recorded.requests).toHaveLength(1);
    expect(recorded.requests[0].messages).toEqual([{ role: "user", content: "a" }]);

    expect((await post("/reset", {})).status).toBe(200);
    expect(standIn.pending()).toBe(0);
    expect(standIn.requests).toHaveLength(0);
  });

  it("rejects bad driver input with 400 and changes nothing", async () => {
    const bad = await post("/enqueue", { responses: [{ toolCalls: [{ name: "bad name!", arguments: {} }] }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/responses/);
    expect((await post("/enqueue", "{nope")).status).toBe(400);
    expect((await post("/errors", { status: 418 })).status).toBe(400);
    expect((await post("/nowhere", {})).status).toBe(404);
    expect(standIn.pending()).toBe(0);
  });
});
