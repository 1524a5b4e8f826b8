import { describe, expect, it } from "vitest";
import { allowsWork, CLOSED, current, recordFailure, recordSuccess, SEED_BREAKER } from "../../../app/switches/breaker.ts";

const cfg = SEED_BREAKER;

describe("circuit breaker", () => {
  it("opens after 5 consecutive failures, not before", () => {
    let b = CLOSED;
    for (let i = 0; i < 4; i++) b = recordFailure(b, 1000, cfg, "ci");
    expect(b.state).toBe("closed");
    expect(allowsWork(b, 1000, cfg)).toBe(true);
    b = recordFailure(b, 2000, cfg, "deploy failed");
    expect(b).toMatchObject({ state: "open", failures: 5, openedAt: 2000, reason: "deploy failed" });
    expect(allowsWork(b, 2000, cfg)).toBe(false);
  });

  it("a success while closed resets the count", () => {
    let b = recordFailure(recordFailure(CLOSED, 0, cfg), 0, cfg);
    b = recordSuccess(b, 0, cfg);
    expect(b.failures).toBe(0);
  });

  it("is half-open after 300 s and closes after 3 successes", () => {
    let b = CLOSED;
    for (let i = 0; i < 5; i++) b = recordFailure(b, 0, cfg);
    expect(current(b, 299_999, cfg).state).toBe("open");
    expect(current(b, 300_000, cfg).state).toBe("half-open");
    expect(allowsWork(b, 300_000, cfg)).toBe(true);
    b = recordSuccess(b, 300_000, cfg);
    b = recordSuccess(b, 300_001, cfg);
    expect(b.state).toBe("half-open");
    b = recordSuccess(b, 300_002, cfg);
    expect(b).toEqual(CLOSED);
  });

  it("one failure while half-open re-opens it with a fresh cool-off", () => {
    let b = CLOSED;
    for (let i = 0; i < 5; i++) b = recordFailure(b, 0, cfg);
    b = recordSuccess(b, 400_000, cfg);
    b = recordFailure(b, 400_001, cfg, "again");
    expect(b).toMatchObject({ state: "open", openedAt: 400_001 });
    expect(current(b, 600_000, cfg).state).toBe("open");
  });

  it("a success while open does not close it early", () => {
    let b = CLOSED;
    for (let i = 0; i < 5; i++) b = recordFailure(b, 0, cfg);
    expect(recordSuccess(b, 10, cfg).state).toBe("open");
  });
});
