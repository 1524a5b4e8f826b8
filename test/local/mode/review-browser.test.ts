// The review pane in a real browser (headless Chromium from @sparticuz/chromium, driven by
// puppeteer-core): axe-core finds no serious or critical violation on the list and on a pull
// request page at laptop and phone widths, nothing is wider than the screen, a check run that
// completes on GitHub shows on the open page without a reload, and the approval is given from
// the keyboard.
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, seriousViolations as violations } from "./browser-checks.ts";
import { startReviewWorld, type ReviewWorld } from "./review-world.ts";

let w: ReviewWorld;
let browser: Browser;
const repo = { owner: "acme", repo: "bot" };

beforeAll(async () => {
  w = await startReviewWorld();
  await w.ci.checks.create({ ...repo, name: "build", head_sha: w.headSha, status: "in_progress" });
  await w.maya.repos.createCommitStatus({ ...repo, sha: w.headSha, state: "pending", context: "policy", description: "judging" });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await w?.close();
});

async function open(path: string, width: number): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  const res = await page.goto(`${w.pane}${path}`, { waitUntil: "load" });
  expect(res?.status(), path).toBe(200);
  return page;
}

describe("at laptop and phone width", () => {
  for (const width of [1280, 390])
    it(`has no serious or critical accessibility violation at ${width} px, and nothing wider than the screen`, async () => {
      for (const path of ["/?as=maya", "/?as=nia&state=all", `/pulls/${w.pr}?as=maya`]) {
        const page = await open(path, width);
        expect(await violations(page), `${path} at ${width} px`).toEqual([]);
        const overflow = (await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")) as number;
        expect(overflow, `${path} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0);
        await page.close();
      }
    }, 120_000);
});

it("a check run completing on GitHub shows on the open page without a reload; approving works from the keyboard", async () => {
  const page = await open(`/pulls/${w.pr}?as=maya`, 390);
  await page.evaluate(`window.__notReloaded = true`);
  const run = (await w.ci.checks.listForRef({ ...repo, ref: w.headSha })).data.check_runs[0];
  await w.ci.checks.update({
    ...repo,
    check_run_id: run.id,
    status: "completed",
    conclusion: "success",
    output: { title: "12 tests passed", summary: "ok" },
  });
  await page
    .waitForSelector('#checks li[data-name="build"][data-status="completed"][data-conclusion="success"]', { timeout: 15_000 })
    .catch(() => {
      throw new Error("the completed check run did not show on the open page within 15 s");
    });
  expect(await page.$eval("#checks-summary", (e) => e.textContent)).toContain("all completed (1 success, 0 failure)");
  expect(await page.evaluate(`window.__notReloaded === true`)).toBe(true);

  // Tab to the Approve button and press Enter: the page comes back saying so.
  let label = "";
  for (let i = 0; i < 40 && label !== "Approve"; i++) {
    await page.keyboard.press("Tab");
    label = (await page.evaluate(`document.activeElement ? document.activeElement.textContent.trim() : ""`)) as string;
  }
  expect(label).toBe("Approve");
  expect(await page.evaluate(`getComputedStyle(document.activeElement).outlineStyle`)).not.toBe("none");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  expect(await page.$eval("#flash", (e) => [e.getAttribute("role"), e.textContent])).toEqual(["status", `maya approved #${w.pr}.`]);
  expect((await w.maya.pulls.listReviews({ ...repo, pull_number: w.pr })).data.map((r) => r.state)).toEqual(["APPROVED"]);
  expect(await violations(page)).toEqual([]);
  await page.close();
}, 60_000);
