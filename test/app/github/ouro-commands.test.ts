import { describe, expect, it } from "vitest";
import { parseCommand } from "../../../app/github/ouro-commands.ts";

describe("/ouro comment commands", () => {
  it("parses the verbs", () => {
    expect(parseCommand("/ouro revert")).toEqual({ kind: "revert" });
    expect(parseCommand("thanks!\n/ouro RETRY\n")).toEqual({ kind: "retry" });
    expect(parseCommand("/ouro stop deploys look broken")).toEqual({ kind: "stop", reason: "deploys look broken" });
    expect(parseCommand("/ouro resume")).toEqual({ kind: "resume" });
    expect(parseCommand("/ouro")).toEqual({ kind: "help" });
    expect(parseCommand("/ouro link abcd-2345")).toEqual({ kind: "link", code: "abcd-2345" });
    expect(parseCommand("/ouro link")).toEqual({ kind: "link", code: "" });
  });
  it("anything else is a request, multi-line kept", () => {
    expect(parseCommand("/ouro add a /dice command\nthat rolls 2d6")).toEqual({
      kind: "request",
      text: "add a /dice command\nthat rolls 2d6",
    });
  });
  it("ignores comments not addressed to Ouro", () => {
    expect(parseCommand("LGTM")).toBeNull();
    expect(parseCommand("see /ouro revert above")).toBeNull();
    expect(parseCommand("/ouroboros")).toBeNull();
  });
});
