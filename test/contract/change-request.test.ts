// The one change request (contract/change-request.ts): who asked, from where, stored and read
// back unchanged; the branch, marker, title and requester key every side derives from it.
import { describe, expect, it } from "vitest";
import {
  branchFor,
  changeIdIn,
  changeMarker,
  changeRequestSchema,
  changeTitle,
  discordRequester,
  githubRequester,
  prTitle,
  requestedWhere,
  requesterKey,
} from "../../contract/change-request.ts";
import { changeRequestSchema as wireRequestSchema, recipeSchema as wireRecipeSchema } from "../../contract/app-link.ts";
import { recipeSchema } from "../../contract/recipe.ts";

const ada = { source: "discord" as const, id: "123456789012345678", name: "Ada", roles: ["Member"] };

describe("the change request", () => {
  it("names its requester by source: a Discord snowflake or a GitHub login, never a made-up id", () => {
    expect(changeRequestSchema.parse({ id: "c1", requester: ada, text: "t" }).requester).toEqual(ada);
    const octo = githubRequester("Octo-Cat");
    expect(octo).toEqual({ source: "github", id: "Octo-Cat", name: "Octo-Cat", login: "Octo-Cat", roles: [] });
    expect(changeRequestSchema.parse({ id: "gh-issue-7", requester: octo, text: "t" }).requester).toEqual(octo);
    expect(changeRequestSchema.parse({ id: "gh-bot", requester: githubRequester("dependabot[bot]"), text: "t" }).requester.id).toBe(
      "dependabot[bot]",
    );
    // the old shape and a fake id are refused
    expect(changeRequestSchema.safeParse({ id: "c1", requester: { discordId: "0", name: "Ada", roles: [] }, text: "t" }).success).toBe(
      false,
    );
    expect(changeRequestSchema.safeParse({ id: "c1", requester: { ...ada, id: "ada" }, text: "t" }).success).toBe(false);
    expect(changeRequestSchema.safeParse({ id: "c1", requester: { ...octo, id: "no spaces" }, text: "t" }).success).toBe(false);
    expect(discordRequester({ discordId: "42", name: "Ada", roles: ["Member"] })).toEqual({
      source: "discord",
      id: "42",
      name: "Ada",
      roles: ["Member"],
    });
  });

  it("is stored as JSON and read back through the same schema unchanged", () => {
    const parsed = changeRequestSchema.parse({
      id: "c-2",
      requester: githubRequester("octo"),
      text: "add\u200b /hi",
      recipe: { kind: "add-command", name: "hi", description: "Say hi", reply: "hi" },
      origin: { channelId: "99" },
    });
    expect(parsed.text).toBe("add /hi");
    expect(parsed.recipe).toMatchObject({ options: [] });
    expect(changeRequestSchema.parse(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  });

  it("only takes change ids that are safe in branch names and markers", () => {
    for (const id of ["A", "a b", "../x", "-a", "x".repeat(65)])
      expect(changeRequestSchema.safeParse({ id, requester: ada, text: "t" }).success).toBe(false);
  });

  it("the wire carries the one recipe schema", () => {
    expect(wireRecipeSchema).toBe(recipeSchema);
    expect(wireRequestSchema.shape.recipe.unwrap()).toBe(recipeSchema);
    const bad = { kind: "add-command", name: "xy", description: "d", reply: "r", sneaky: 1 };
    expect(
      wireRequestSchema.safeParse({ id: "r", requester: { discordId: "1", name: "a", roles: [] }, text: "t", recipe: bad }).success,
    ).toBe(false);
  });
});

describe("what every side derives from it", () => {
  it("one requester key, and where the request was made in words", () => {
    expect(requesterKey(ada)).toBe("discord:123456789012345678");
    expect(requesterKey(githubRequester("Octo-Cat"))).toBe("github:octo-cat");
    expect(requestedWhere(ada)).toBe("on Discord");
    expect(requestedWhere(githubRequester("Octo-Cat"))).toBe("on GitHub (@Octo-Cat)");
  });

  it("one branch and one marker, found again in a body", () => {
    expect(branchFor("greet-1")).toBe("ouro/greet-1");
    expect(branchFor("revert-12")).toBe("ouro/revert-12");
    expect(changeMarker("abc-1")).toBe("<!-- ouro:change:abc-1 -->");
    expect(changeIdIn(`text\n${changeMarker("abc-1")}\nmore`)).toBe("abc-1");
    expect(changeIdIn("<!-- ouro:change:../x -->")).toBeNull();
    expect(changeIdIn("<!-- ouro-change-id: abc-1 -->")).toBeNull();
    expect(changeIdIn(null)).toBeNull();
  });

  it("one title: the recipe's words, else the model's, else the request's first line; at most 72 characters", () => {
    expect(
      changeTitle({ text: "t", recipe: recipeSchema.parse({ kind: "add-command", name: "greet", description: "d", reply: "r" }) }),
    ).toBe("Add the /greet command");
    expect(changeTitle({ text: "t", recipe: recipeSchema.parse({ kind: "add-responder", name: "gm", trigger: "gm", reply: "r" }) })).toBe(
      'Add the "gm" auto-response',
    );
    expect(changeTitle({ text: "t", recipe: { kind: "set-setting", key: "maxReplyLength", value: 500 } })).toBe(
      "Set maxReplyLength to 500",
    );
    expect(changeTitle({ text: "\n  add a   /wave\u200b command\nthat waves" })).toBe("add a /wave command");
    expect(changeTitle({ text: "x" }, "Add a wave command")).toBe("Add a wave command");
    const long = changeTitle({ text: "a".repeat(100) });
    expect(long).toHaveLength(72);
    expect(long.endsWith("…")).toBe(true);
    expect(prTitle({ text: "x" }, "Add a wave command")).toBe("Ouro: Add a wave command");
  });
});
