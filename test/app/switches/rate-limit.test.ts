import { describe, expect, it } from "vitest";
import { admit, mayStart } from "../../../app/switches/rate-limit.ts";

const limits = { perRequesterPerHour: 2, globalPerMinute: 3, maxOpenPrs: 1, burst: { edits: 2, windowSeconds: 300 } };
const now = 10_000_000;

describe("rate limits", () => {
  it("refuses a requester over the hourly limit with the reason, others still pass", () => {
    const recent = [
      { requester: "a", at: now - 3_000_000 },
      { requester: "a", at: now - 100_000 },
    ];
    const r = admit("a", recent, now, limits);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/2 requests in the last hour.*limit is 2/);
    expect(admit("b", recent, now, limits).ok).toBe(true);
    // older than an hour no longer counts
    expect(
      admit(
        "a",
        [
          { requester: "a", at: now - 3_700_000 },
          { requester: "a", at: now - 1 },
        ],
        now,
        limits,
      ).ok,
    ).toBe(true);
  });

  it("refuses over the global per-minute limit", () => {
    const recent = [1, 2, 3].map((i) => ({ requester: `u${i}`, at: now - i * 1000 }));
    const r = admit("z", recent, now, limits);
    expect(!r.ok && r.reason).toMatch(/last minute/);
  });

  it("queues while too many PRs are open or too many edits started recently", () => {
    expect(mayStart(0, [], now, limits).ok).toBe(true);
    const open = mayStart(1, [], now, limits);
    expect(!open.ok && open.reason).toMatch(/1 Ouro pull requests are open/);
    const burst = mayStart(0, [now - 1000, now - 2000], now, limits);
    expect(!burst.ok && burst.reason).toMatch(/2 self-edits started/);
    expect(mayStart(0, [now - 301_000, now - 2000], now, limits).ok).toBe(true);
  });
});
