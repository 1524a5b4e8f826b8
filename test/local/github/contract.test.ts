// The contract checker itself must be able to fail: wrong shapes are caught with a report.
import { expect, it } from "vitest";
import { ContractError, checkResponse, checkWebhook, operationFor } from "./contract.ts";

it("maps concrete paths to GitHub's operations, preferring literal segments", () => {
  expect(operationFor("GET", "/repos/acme/bot/contents/src/a.ts")?.template).toBe("/repos/{owner}/{repo}/contents/{path}");
  expect(operationFor("GET", "/repos/acme/bot/commits/abc/check-runs")?.template).toBe("/repos/{owner}/{repo}/commits/{ref}/check-runs");
  expect(operationFor("GET", "/repos/acme/bot/issues/comments/5")?.template).toBe("/repos/{owner}/{repo}/issues/comments/{comment_id}");
  expect(operationFor("GET", "/nope/nothing")).toBeNull();
});

it("rejects a response missing required fields or with wrong types, naming them", () => {
  expect(() => checkResponse("GET", "/repos/acme/bot/git/ref/heads/main", 200, { ref: "refs/heads/main" })).toThrow(ContractError);
  expect(() =>
    checkResponse("GET", "/repos/acme/bot/git/ref/heads/main", 200, {
      ref: 1,
      node_id: "x",
      url: "http://x/y",
      object: { type: "commit", sha: "a", url: "http://x/y" },
    }),
  ).toThrow(/\/ref must be string/);
  expect(() =>
    checkResponse("GET", "/repos/acme/bot/git/ref/heads/main", 200, {
      ref: "refs/heads/main",
      node_id: "x",
      url: "http://x/y",
      object: { type: "commit", sha: "a".repeat(40), url: "http://x/y" },
    }),
  ).not.toThrow();
  expect(() => checkResponse("POST", "/repos/acme/bot/issues", 201, { message: "x" })).toThrow(ContractError);
  expect(() => checkResponse("GET", "/repos/acme/bot", 401, { nope: true })).toThrow(/error shape/);
  expect(() => checkResponse("GET", "/repos/acme/bot", 299, {})).toThrow(/not documented/);
});

it("rejects a webhook payload that does not match its event's schema", () => {
  expect(() => checkWebhook("issues", { action: "opened" })).toThrow(/issues-opened/);
  expect(() => checkWebhook("no_such_event", {})).toThrow(/no schema/);
});
