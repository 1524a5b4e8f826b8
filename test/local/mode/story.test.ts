// The whole story, through the page only, in a real browser (headless Chromium): local mode
// starts (every stand-in, the app and the deploy hook, as `npm start` runs them); max asks for
// /hello in the chat pane and follows the request's thread to its pull request; the console's
// change page shows the pull request, the policy verdict and the real checks; maya approves
// and merges in the review pane; the console's Live page shows the new release; /hello answers
// "Hello!" in the chat; rollback is pressed in the console; /hello is gone from the chat and the
// revert pull request shows in the review pane. axe-core checks every page visited.
//
// Each wait names what it waited for. Timeouts follow `npm run demo` (a step: 2 min; the real
// workflows: up to 8).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalMode, type LocalMode } from "../../../local/mode/start.ts";
import { launchChromium, seriousViolations, type Violation } from "./browser-checks.ts";

const ROOT = join(import.meta.dirname, "../../..");
const T = 120_000;

let lm: LocalMode;
let browser: Browser;
let page: Page;
const data = mkdtempSync(join(tmpdir(), "ouro-story-"));
/** axe's serious and critical findings, by page, for the last step to report together. */
const found: { where: string; violations: Violation[] }[] = [];
/** The first step that failed: the later ones do not run without what it should have made. */
let broken = "";
const s = { consoleUrl: "", changeId: "", pr: 0 };

beforeAll(async () => {
  lm = await startLocalMode({ dataDir: data, checkout: ROOT, basePort: 0 });
  browser = await launchChromium(15 * 60_000); // the checks' wait alone may take 8 minutes
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on("dialog", (d) => void d.accept()); // a "are you sure?" before rollback is answered yes
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await lm?.close();
  if (broken) console.error(`the story stopped at "${broken}"; local mode's logs are kept in ${join(data, "logs")}`);
  else rmSync(data, { recursive: true, force: true });
}, 120_000);

function step(name: string, timeoutMs: number, run: () => Promise<void>): void {
  it(
    name,
    async () => {
      if (broken) throw new Error(`not run: the step "${broken}" failed`);
      try {
        await run();
      } catch (err) {
        broken = name;
        throw err;
      }
    },
    timeoutMs,
  );
}

/** What the page says now (its main part), for a failed wait's message. */
async function said(): Promise<string> {
  const text = (await page.evaluate(`(document.querySelector("main") || document.body).innerText`).catch(() => "")) as string;
  return text.replace(/\s+\n/g, "\n").slice(0, 2000);
}

/** Waits, without reloading, until `predicate` (a page expression) is true; the error says what was awaited. */
async function until(what: string, predicate: string, timeoutMs: number): Promise<void> {
  await page.waitForFunction(predicate, { timeout: timeoutMs, polling: 250 }).catch(async (err: Error) => {
    throw new Error(`${what}: not seen within ${timeoutMs / 1000} s on ${page.url()} (${err.message}). The page said:\n${await said()}`);
  });
}

/** For what a page shows only when loaded (e.g. the registered commands): loads it again until `predicate` holds. */
async function untilReloaded(what: string, predicate: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await page.evaluate(predicate)) return;
    if (Date.now() > deadline)
      throw new Error(`${what}: not seen within ${timeoutMs / 1000} s on ${page.url()}. The page said:\n${await said()}`);
    await new Promise((r) => setTimeout(r, 500));
    await page.reload({ waitUntil: "load" });
  }
}

async function visit(url: string): Promise<void> {
  const res = await page.goto(url, { waitUntil: "load" });
  expect(res?.status(), `${url} answered ${res?.status()}:\n${await said()}`).toBe(200);
}

/** Clicks the button (or link) whose text is `label` inside `scope`, and waits for the page it loads. */
async function press(label: string, scope = "body"): Promise<void> {
  const find = `[...document.querySelectorAll(${JSON.stringify(`${scope} button, ${scope} a`)})].find((e) => e.textContent.trim() === ${JSON.stringify(label)}) ?? null`;
  const el = (await page.evaluateHandle(find)).asElement();
  if (!el) throw new Error(`no button "${label}" in ${scope} on ${page.url()}. The page said:\n${await said()}`);
  await Promise.all([page.waitForNavigation({ waitUntil: "load", timeout: T }), el.click()]);
}

async function axe(where: string): Promise<void> {
  found.push({ where, violations: await seriousViolations(page) });
}

const textOf = (sel: string) => `(document.querySelector(${JSON.stringify(sel)})?.textContent ?? "")`;

describe("the whole story through the page", { timeout: 900_000 }, () => {
  step("the overview links to the console and to both panes", T, async () => {
    await visit(lm.url);
    expect(await page.$eval("h1", (e) => e.textContent)).toContain("Ouro is running in local mode");
    s.consoleUrl = (await page.evaluate(`document.querySelector('a[href$="/console/"]').href`)) as string;
    await axe("overview");
    await press("The chat pane");
  });

  step("chat pane: max runs /feature add-command in #requests and follows its thread to the pull request", 4 * T, async () => {
    expect(new URL(page.url()).pathname).toBe("/chat/");
    expect(await page.evaluate(`document.querySelector('select[name="as"]').value`)).toBe("max");
    await axe("chat pane: #requests");
    await page.select('select[name="command"]', "feature add-command");
    await press("Choose", "#command");
    await page.type('[name="opt.name"]', "hello");
    await page.type('[name="opt.description"]', "Say hello");
    await page.type('[name="opt.reply"]', "Hello!");
    await axe("chat pane: the command form");
    await press("Run", "#command");
    expect(new URL(page.url()).searchParams.get("interaction"), "Run came back to the channel with the interaction").toBeTruthy();
    await until(
      "the request's announcement (its change id) in the reply",
      `/change\\s+\`?[a-z0-9][a-z0-9-]+/.test(${textOf("#reply")})`,
      T,
    );
    s.changeId = /change\s+`?([a-z0-9][a-z0-9-]+)/.exec((await page.evaluate(textOf("#reply"))) as string)![1];
    const thread = `[...document.querySelectorAll('nav[aria-label="Channels"] a')].find((a) => a.textContent.includes(${JSON.stringify(s.changeId)}))`;
    await until(`the thread of change ${s.changeId} in the channel list`, `!!${thread}`, T);
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.evaluate(`${thread}.click()`)]);
    await until(
      "the progress message's link to the pull request",
      `[...document.querySelectorAll("#messages a")].some((a) => /\\/pull\\/\\d+$/.test(a.href))`,
      3 * T,
    );
    s.pr = Number(
      /\/pull\/(\d+)$/.exec(
        (await page.evaluate(
          `[...document.querySelectorAll("#messages a")].map((a) => a.href).find((h) => /\\/pull\\/\\d+$/.test(h))`,
        )) as string,
      )![1],
    );
    expect(await page.evaluate(textOf("#messages"))).toMatch(/Pull request opened/);
    await axe("chat pane: the request's thread");
  });

  step("console: the change shows its pull request, the policy verdict and the real checks, completed", 5 * T, async () => {
    await visit(s.consoleUrl);
    await until(`change ${s.changeId} in the console's list`, `!!document.getElementById(${JSON.stringify(`change-${s.changeId}`)})`, T);
    await axe("console: changes");
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(`#change-${s.changeId} a[href*="/console/changes/"]`)]);
    expect(await page.evaluate(textOf("#change-status"))).toContain(`#${s.pr}`);
    // The workflows run for real (policy verdict from the base, typecheck, tests): the page updates live.
    const settled = `(() => {
      const state = ${textOf("#change-status .badge")}.trim();
      const badges = [...document.querySelectorAll("#change-checks .checks .badge")].map((b) => b.textContent.trim());
      return state === "failed" || (badges.length >= 2 && badges.every((b) => b === "passed" || b === "failed"));
    })()`;
    await until("the checks to complete (every check run and status passed or failed)", settled, 4 * T);
    const checks = (await page.evaluate(textOf("#change-checks"))) as string;
    expect(await page.evaluate(textOf("#change-status .badge")), `the change failed; its checks:\n${checks}`).not.toBe("failed");
    expect(checks).toMatch(/policy/i);
    expect(checks, "every check passed").not.toMatch(/\bfailed\b/);
    await page.reload({ waitUntil: "load" }); // the verdict section is drawn once per load
    const verdict = (await page.evaluate(`document.getElementById("verdict-heading").parentElement.innerText`)) as string;
    expect(verdict, "a verdict that lets it merge (with the approvals it names)").toMatch(/Decision\s+(pass|needs-approval)\b/);
    await axe("console: the change");
  });

  step("review pane: maya sees the checks done, approves and merges the pull request", 3 * T, async () => {
    await visit(`${lm.url}/review/?as=maya`);
    await until(`#${s.pr} in the open pull requests`, `${textOf("#pulls")}.includes(${JSON.stringify(`#${s.pr} `)})`, T);
    await axe("review pane: open pull requests");
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(`#pulls a[href*="/pulls/${s.pr}?"]`)]);
    expect(await page.$eval("h1", (e) => e.textContent)).toContain(`#${s.pr}`);
    await until("the pull request's check runs, all completed", `document.querySelector("#checks-summary")?.dataset.complete === "yes"`, T);
    await axe("review pane: the pull request");
    await press("Approve");
    expect(await page.evaluate(textOf("#flash"))).toBe(`maya approved #${s.pr}.`);
    if ((await page.$('#pr-state [data-state="merged"]')) === null) {
      await press("Merge");
      // The app may have merged it on the approval in between: GitHub then says it is already merged.
      expect(await page.evaluate(textOf("#flash"))).toMatch(new RegExp(`maya merged #${s.pr}|already merged`));
    }
    await until("the pull request's state: merged", `!!document.querySelector('#pr-state [data-state="merged"]')`, T);
  });

  step("console Live: the merge is the current release", 3 * T, async () => {
    await visit(`${s.consoleUrl}live`);
    await until(
      `change ${s.changeId} as the current release`,
      `!!document.querySelector(${JSON.stringify(`#live-release dl a[href$="/changes/${s.changeId}"]`)})`,
      2 * T,
    );
    await axe("console: live");
  });

  step("chat pane: /hello answers Hello!", 2 * T, async () => {
    await visit(`${lm.url}/chat/?as=max&channel=general`);
    await untilReloaded(
      "/hello among the registered commands",
      `!!document.querySelector('select[name="command"] option[value="hello"]')`,
      T,
    );
    await page.select('select[name="command"]', "hello");
    await press("Choose", "#command");
    await press("Run", "#command");
    await until(`/hello's reply "Hello!"`, `${textOf("#reply")}.includes("Hello!")`, T);
    await axe("chat pane: /hello's reply");
  });

  step("console Live: rollback is pressed", 2 * T, async () => {
    await visit(`${s.consoleUrl}live`);
    await press(`Roll back ${s.changeId}`, "#live-deployed");
    expect(await page.evaluate(`[...document.querySelectorAll('[role="status"]')].map((e) => e.textContent).join(" ")`)).toMatch(
      new RegExp(`Rolling back ${s.changeId}`),
    );
    await axe("console: live, after the rollback");
  });

  step("chat pane: /hello is no longer registered", 3 * T, async () => {
    await visit(`${lm.url}/chat/?as=max&channel=general`);
    await untilReloaded(
      "/hello gone from the registered commands",
      `!document.querySelector('select[name="command"] option[value="hello"]')`,
      2 * T,
    );
  });

  step("review pane: the revert pull request is listed among all pull requests", 2 * T, async () => {
    await visit(`${lm.url}/review/?as=maya&state=all`);
    await until(
      "a revert pull request",
      `[...document.querySelectorAll("#pulls li")].some((li) => /revert/i.test(li.textContent) && !li.textContent.includes(${JSON.stringify(`#${s.pr} `)}))`,
      T,
    );
    expect(await page.evaluate(textOf("#pulls"))).toMatch(new RegExp(`#${s.pr} [\\s\\S]*merged`));
    await axe("review pane: all pull requests");
  });

  it("no page visited has a serious or critical accessibility violation", () => {
    expect(found.length, "pages checked").toBeGreaterThan(0);
    expect(found.filter((f) => f.violations.length)).toEqual([]);
  });
});
