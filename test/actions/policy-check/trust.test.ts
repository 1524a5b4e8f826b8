import { describe, it, expect, afterEach } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertTrustedSources, isInside, CHECKER_DIR } from "../../../actions/policy-check/src/trust.ts";

let dir: string;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe("trusted sources", () => {
  it("isInside sees through relative paths and symlinks", () => {
    dir = mkdtempSync(join(tmpdir(), "ouro-trust-"));
    mkdirSync(join(dir, "head/policies"), { recursive: true });
    mkdirSync(join(dir, "base/policies"), { recursive: true });
    symlinkSync(join(dir, "head/policies"), join(dir, "base/sneaky"));
    expect(isInside(join(dir, "head/policies"), join(dir, "head"))).toBe(true);
    expect(isInside(join(dir, "head"), join(dir, "head"))).toBe(true);
    expect(isInside(join(dir, "base/sneaky"), join(dir, "head"))).toBe(true);
    expect(isInside(join(dir, "base/policies"), join(dir, "head"))).toBe(false);
    expect(isInside(join(dir, "headless"), join(dir, "head"))).toBe(false);
  });

  it("refuses policies or a checker inside the head checkout", () => {
    dir = mkdtempSync(join(tmpdir(), "ouro-trust-"));
    mkdirSync(join(dir, "head/policies"), { recursive: true });
    mkdirSync(join(dir, "base/policies"), { recursive: true });
    expect(() => assertTrustedSources(join(dir, "head"), join(dir, "base/policies"))).not.toThrow();
    expect(() => assertTrustedSources(join(dir, "head"), join(dir, "head/policies"))).toThrow(/policies must come from the base/);
    expect(() => assertTrustedSources(join(dir, "head"), join(dir, "base/policies"), join(dir, "head/actions"))).toThrow(
      /separate base checkout/,
    );
    // This checker, run from this repository, judging this repository: refused.
    expect(() => assertTrustedSources(join(CHECKER_DIR, "../../.."), join(dir, "base/policies"))).toThrow(/separate base checkout/);
  });
});
