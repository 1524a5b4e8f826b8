import { describe, expect, it } from "vitest";
import { ownersFor, parseCodeowners } from "../../../app/review/codeowners.ts";

const text = `# comment
*                 @root-owner
/bot/plugins/     @plugin-owner @alice
docs/*.md         @docs
/app/             @ouro/maintainers  # team
`;

describe("CODEOWNERS", () => {
  const rules = parseCodeowners(text);
  it("last matching rule wins", () => {
    expect(ownersFor(rules, ["bot/plugins/dice/index.ts"])).toEqual({ users: ["alice", "plugin-owner"], teams: [] });
    expect(ownersFor(rules, ["README.md"])).toEqual({ users: ["root-owner"], teams: [] });
    expect(ownersFor(rules, ["app/index.ts"])).toEqual({ users: [], teams: ["maintainers"] });
    expect(ownersFor(rules, ["docs/a.md"]).users).toEqual(["docs"]);
  });
  it("excludes the requester", () => {
    expect(ownersFor(rules, ["bot/plugins/x.ts"], ["Alice"]).users).toEqual(["plugin-owner"]);
  });
});
