import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPermissions, loadRoleMap } from "../../../bot/permissions/capabilities.ts";
import { policySchema } from "../../../policy-engine/policy/schema.ts";

const dirs: string[] = [];
const repo = (policy?: string) => {
  const d = mkdtempSync(join(tmpdir(), "ouro-pol-"));
  dirs.push(d);
  if (policy !== undefined) {
    mkdirSync(join(d, "policies"));
    writeFileSync(join(d, "policies", "ouro.yml"), policy);
  }
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("role → capability mapping", () => {
  it("has the same defaults as the policy engine's schema, and reads this repository's policy", () => {
    expect(loadRoleMap(repo())).toEqual(policySchema.parse({}).roles);
    expect(Object.keys(loadRoleMap())).toEqual(["request", "vote", "rollback", "stop"]);
  });

  it("reads roles from the policy and checks members against them", () => {
    const roles = loadRoleMap(repo("roles:\n  rollback: [Maintainers]\n  stop: [Admins]\n  request: [Members]\n"));
    const p = createPermissions(roles);
    expect(p.allowed("request", ["Members"])).toBe(true);
    expect(p.allowed("request", [])).toBe(false);
    expect(p.allowed("vote", [])).toBe(true); // default @everyone
    expect(p.allowed("rollback", ["Members"])).toBe(false);
    expect(p.allowed("stop", ["Admins"])).toBe(true);
    expect(p.denial("rollback")).toBe("⛔ You need the role **Maintainers** to roll back changes.");
  });

  it("rejects a malformed policy with the file and line named", () => {
    expect(() => loadRoleMap(repo("roles:\n  stop: Admins\n"))).toThrow(/policies\/ouro\.yml.*roles|stop/);
    expect(() => loadRoleMap(repo("roles:\n  deploy: [x]\n"))).toThrow(/policies\/ouro\.yml/);
    expect(() => loadRoleMap(repo("roles: [\n"))).toThrow(/policies\/ouro\.yml:\d/);
  });
});
