import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseInputs, parseEvent, DEFAULT_POLICIES_PATH } from "../../../actions/policy-check/src/inputs.ts";

const ROOT = join(import.meta.dirname, "../../..");
const from = (env: Record<string, string>) => (name: string) => env[name] ?? "";

describe("Action inputs", () => {
  it("applies defaults for unset inputs; policies default to the checkout the action runs from", () => {
    expect(parseInputs(from({}))).toEqual({
      "repo-path": ".",
      "policies-path": DEFAULT_POLICIES_PATH,
      format: "text",
      "self-edit": "false",
    });
    expect(DEFAULT_POLICIES_PATH).toBe(join(ROOT, "policies"));
  });

  it("keeps given values", () => {
    const i = parseInputs(
      from({ "repo-path": "head", "base-sha": "a".repeat(40), "head-sha": "feature/x", format: "markdown", "self-edit": "true" }),
    );
    expect(i).toMatchObject({
      "repo-path": "head",
      "base-sha": "a".repeat(40),
      "head-sha": "feature/x",
      format: "markdown",
      "self-edit": "true",
    });
  });

  it("rejects bad values with a message naming the input", () => {
    expect(() => parseInputs(from({ format: "yaml" }))).toThrow(/format/);
    expect(() => parseInputs(from({ "base-sha": "--output=/tmp/x" }))).toThrow(/base-sha/);
    expect(() => parseInputs(from({ "self-edit": "yes" }))).toThrow(/self-edit/);
  });
});

describe("pull_request event payload", () => {
  it("reads author, labels, head branch and SHAs from a real-shaped payload", () => {
    const payload = JSON.parse(readFileSync(join(ROOT, "test/fixtures/policy-check/pull_request.opened.json"), "utf8"));
    const e = parseEvent(payload);
    expect(e.pull_request.user.login).toBe("ouro-agent[bot]");
    expect(e.pull_request.labels.map((l) => l.name)).toEqual(["self-edit"]);
    expect(e.pull_request.head.ref).toBe("ouro/change-41");
  });
  it("rejects a payload that is not a pull_request event", () => {
    expect(() => parseEvent({ action: "created", issue: { number: 1 } })).toThrow(/not a pull_request event/);
    expect(() => parseEvent(null)).toThrow(/not a pull_request event/);
  });
});
