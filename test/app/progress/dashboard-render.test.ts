import { describe, expect, it } from "vitest";
import { renderDashboard } from "../../../app/progress/dashboard-render.ts";
import { renderProgress } from "../../../app/progress/comment-render.ts";
import { changeIdIn, changeMarker, DASHBOARD_MARKER, progressMarker } from "../../../app/github/markers.ts";

describe("dashboard rendering", () => {
  it("shows switches, pending work, open PRs, deploys and rollbacks; escapes user text", () => {
    const md = renderDashboard({
      pending: [
        {
          changeId: "c1",
          title: "add | pipes <!-- x -->",
          requester: "@everyone",
          state: "queued",
          reason: "queued: 3 Ouro pull requests are open",
        },
      ],
      openPrs: [
        {
          changeId: "c2",
          number: 7,
          url: "http://gh/pr/7",
          title: "Ouro: dice",
          risk: "low",
          checks: "success",
          state: "review",
          rollback: false,
        },
      ],
      breaker: { state: "open", failures: 5, reason: "deploy failed", openedAt: "2026-01-01T00:00:00Z" },
      stop: { stopped: true, by: "carol", since: "2026-01-01T00:00:00Z", policy: false },
      deploys: [{ changeId: "c3", sha: "abcdef1234", state: "success", at: "2026-01-01T00:00:00Z" }],
      rollbacks: [{ changeId: "c4", at: "2026-01-01T00:00:00Z", reason: "deployment failed", revertPrUrl: "http://gh/pr/9" }],
    });
    expect(md.startsWith(DASHBOARD_MARKER)).toBe(true);
    expect(md).toContain("🛑 **stopped** by carol");
    expect(md).toContain("🔴 open (5 failures; last: deploy failed");
    expect(md).toContain("add \\| pipes x");
    expect(md).toContain("@\u200beveryone");
    expect(md).toContain("| [#7](http://gh/pr/7) Ouro: dice | `c2` | low | success | review |");
    expect(md).toContain("`abcdef1` success — `c3`");
    expect(md).toContain("`c4`: deployment failed → http://gh/pr/9");
  });
  it("says None for empty sections", () => {
    const md = renderDashboard({
      pending: [],
      openPrs: [],
      breaker: { state: "closed", failures: 0 },
      stop: { stopped: false, policy: false },
      deploys: [],
      rollbacks: [],
    });
    expect(md.match(/None\./g)).toHaveLength(4);
    expect(md).toContain("Emergency stop: ✅ running");
  });
});

describe("progress comment and markers", () => {
  it("marks done, current and failed steps", () => {
    const md = renderProgress({ changeId: "c1", state: "checks", title: "dice", requester: "alice", risk: "low", prUrl: "http://gh/pr/1" });
    expect(md.startsWith(progressMarker("c1"))).toBe(true);
    expect(md).toContain("- ✅ Pull request opened\n- ⏳ Checks\n- ⬜ Review");
    expect(renderProgress({ changeId: "c1", state: "failed", title: "t", requester: "r", message: "checks failed" })).toContain(
      "❌ Failed",
    );
    expect(renderProgress({ changeId: "c1", state: "deployed", title: "t", requester: "r" })).toContain("✅ Deployed");
  });
  it("finds change ids only in well-formed markers", () => {
    expect(changeIdIn(`text ${changeMarker("abc-1")}`)).toBe("abc-1");
    expect(changeIdIn("<!-- ouro:change:../x -->")).toBeNull();
  });
});
