// The expression language and the workflow/file commands, as GitHub documents them.
import { expect, it } from "vitest";
import { ExpressionError, condition, evaluate, interpolate, interpolateString } from "../../../local/actions/expressions.ts";
import type { Scope } from "../../../local/actions/expressions.ts";
import { FileCommandError, parseCommand, parseKeyValueFile } from "../../../local/actions/commands.ts";

const scope = (failed = false, cancelled = false): Scope => ({
  contexts: {
    github: { event_name: "pull_request", event: { pull_request: { number: 7, labels: [{ name: "ouro" }] } }, ref: "refs/heads/main" },
    env: { NAME: "Ouro" },
    steps: { s: { outputs: { v: "42" }, outcome: "success" } },
    secrets: { GITHUB_TOKEN: "t" },
  },
  status: { failed, cancelled },
});

it("evaluates literals, contexts, comparisons and logic like GitHub", () => {
  const s = scope();
  expect(evaluate("github.event.pull_request.number", s)).toBe(7);
  expect(evaluate("github['event_name'] == 'PULL_REQUEST'", s)).toBe(true);
  expect(evaluate("steps.s.outputs.v == 42", s)).toBe(true);
  expect(evaluate("github.event.pull_request.number || github.ref", s)).toBe(7);
  expect(evaluate("github.event.nothing || github.ref", s)).toBe("refs/heads/main");
  expect(evaluate("env.NAME && 'yes'", s)).toBe("yes");
  expect(evaluate("!env.MISSING", s)).toBe(true);
  expect(evaluate("contains(github.event.pull_request.labels.*.name, 'ouro')", s)).toBe(true);
  expect(evaluate("startsWith(github.ref, 'refs/heads/')", s)).toBe(true);
  expect(evaluate("format('{0}-{1}', 'a', 3)", s)).toBe("a-3");
  expect(evaluate("fromJSON('{\"a\":[1,2]}').a[1]", s)).toBe(2);
  expect(evaluate("secrets.DISCORD_TOKEN", s)).toBeNull();
  expect(evaluate("1 < 2 && 'b' > 'A'", s)).toBe(true);
});

it("if: wraps expressions without a status function in success()", () => {
  expect(condition(undefined, scope())).toBe(true);
  expect(condition(undefined, scope(true))).toBe(false);
  expect(condition("env.NAME == 'ouro'", scope(true))).toBe(false);
  expect(condition("${{ always() }}", scope(true))).toBe(true);
  expect(condition("failure()", scope(true))).toBe(true);
  expect(condition("cancelled()", scope(false, true))).toBe(true);
  expect(condition("success()", scope(false, true))).toBe(false);
});

it("interpolates strings, keeping the type of a lone expression", () => {
  expect(interpolate("${{ github.event.pull_request.number }}", scope())).toBe(7);
  expect(interpolateString("pr-${{ github.event.pull_request.number }}-${{ env.NAME }}", scope())).toBe("pr-7-Ouro");
  expect(interpolateString("${{ '}}' }}", scope())).toBe("}}");
});

it("unknown functions and contexts, and bad syntax, are errors in plain words", () => {
  expect(() => evaluate("fromYAML('x')", scope())).toThrow(/unknown function fromYAML\(\)/);
  expect(() => evaluate("hashFiles('x')", scope())).toThrow(/hashFiles\(\) is only available in a job's steps/);
  expect(() => evaluate("vars2.x", scope())).toThrow(/unknown context "vars2"/);
  expect(() => evaluate("github.ref ==", scope())).toThrow(ExpressionError);
  expect(() => evaluate("success()", { contexts: {} })).toThrow(/only allowed in if:/);
});

it("parses workflow commands with GitHub's escapes, and file commands with heredocs", () => {
  expect(parseCommand("::error file=a%2Cb.ts,line=3,col=2,title=t%3Ax::multi%0Aline 100%25")).toEqual({
    kind: "annotation",
    annotation: {
      level: "failure",
      message: "multi\nline 100%",
      file: "a,b.ts",
      line: 3,
      col: 2,
      title: "t:x",
      endLine: undefined,
      endColumn: undefined,
    },
  });
  expect(parseCommand("::add-mask::s3cret")).toEqual({ kind: "mask", value: "s3cret" });
  expect(parseCommand("::group::x")).toEqual({ kind: "ignored" });
  expect(parseCommand("plain line")).toEqual({ kind: "none" });
  expect(parseKeyValueFile("a=1\nb<<EOF\nx\ny=2\nEOF\nc=\n", "GITHUB_OUTPUT")).toEqual([
    ["a", "1"],
    ["b", "x\ny=2"],
    ["c", ""],
  ]);
  expect(() => parseKeyValueFile("b<<EOF\nnever closed\n", "GITHUB_OUTPUT")).toThrow(FileCommandError);
  expect(() => parseKeyValueFile("just words\n", "GITHUB_ENV")).toThrow(/expected name=value or name<<DELIMITER/);
});
