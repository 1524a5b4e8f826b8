import { describe, expect, it } from "vitest";
import { canMove, isActive } from "../../../app/lifecycle/states.ts";

describe("change state machine", () => {
  it("follows the lifecycle", () => {
    const path = ["queued", "working", "pr", "checks", "review", "merged", "deployed", "rolled-back"] as const;
    for (let i = 1; i < path.length; i++) expect(canMove(path[i - 1], path[i])).toBe(true);
  });
  it("refuses going backwards or out of a final state", () => {
    expect(canMove("merged", "pr")).toBe(false);
    expect(canMove("deployed", "queued")).toBe(false);
    expect(canMove("rolled-back", "deployed")).toBe(false);
    expect(canMove("queued", "merged")).toBe(false);
  });
  it("lets a failed change be retried", () => {
    expect(canMove("failed", "queued")).toBe(true);
    expect(canMove("failed", "merged")).toBe(true); // a human merged it anyway
    expect(isActive("failed")).toBe(false);
    expect(isActive("checks")).toBe(true);
  });
});
