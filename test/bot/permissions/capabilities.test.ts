import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPermissions, loadRoleMap } from "../../../bot/permissions/capabilities.ts";
import { policySchema } from "../../../actions/policy-check/src/policy/schema.ts";

const dirs: string[] = [];
const file = (text: string) => {
  const d = mkdtempSync(join(tmpdir(), "ouro-pol-"));
  dirs.push(d);
  writeFileSync(join(d, "ouro.yml"), text);
  return join(d, "ouro.yml");
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("role → capability mapping", () => {
  it("has the same defaults as the policy engine's schema", () => {
    expect(loadRoleMap("/nonexistent/ouro.yml")).toEqual(policySchema.parse({}).roles);
  });

  it("reads roles from the policy file and checks members against them", () => {
    const roles = loadRoleMap(file("roles:\n  rollback: [Maintainers]\n  stop: [Admins]\n  request: [Members]\n"));
    const p = createPermissions(roles);
    expect(p.allowed("request", ["Members"])).toBe(true);
    expect(p.allowed("request", [])).toBe(false);
    expect(p.allowed("vote", [])).toBe(true); // default @everyone
    expect(p.allowed("rollback", ["Members"])).toBe(false);
    expect(p.allowed("stop", ["Admins"])).toBe(true);
    expect(p.denial("rollback")).toBe("⛔ You need the role **Maintainers** to roll back changes.");
  });

  it("rejects a malformed roles section with the file and key named", () => {
    expect(() => loadRoleMap(file("roles:\n  stop: Admins\n"))).toThrow(/ouro\.yml: roles\.stop/);
    expect(() => loadRoleMap(file("roles:\n  deploy: [x]\n"))).toThrow(/ouro\.yml: roles/);
    expect(() => loadRoleMap(file("roles: [\n"))).toThrow(/not valid YAML/);
  });
});
