import { describe, expect, it } from "vitest";
import { runCommand } from "../../plugin-api/testing.ts";
import ping, { PONG } from "./index.ts";

describe("ping plugin", () => {
  it("answers /ping with Pong!", async () => {
    expect(await runCommand(ping, "ping")).toEqual([{ kind: "reply", message: PONG }]);
    expect(PONG).toBe("Pong!");
  });
});
