import { describe, expect, it } from "vitest";
import ping, { PONG } from "./index.ts";

describe("ping plugin", () => {
  it("defines /ping", () => {
    const json = ping.commands![0].data.toJSON() as { name: string; description: string };
    expect(json.name).toBe("ping");
    expect(json.description.length).toBeGreaterThan(0);
    expect(PONG).toBe("Pong!");
  });
});
