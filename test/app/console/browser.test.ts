// The console in a real browser: headless Chromium (from @sparticuz/chromium, driven by
// puppeteer-core) loads every page at laptop (1280 px) and phone (390 px) widths, axe-core
// finds no serious or critical accessibility violation, the emergency stop is pressed with
// the keyboard and another open Live page shows it through the event stream, and a new
// change appears on an open Changes page without a reload. Local-mode sign-in (loopback).
// Production sign-in: the sign-in page, a refused token, the sign-in and sign-out problem
// pages and a read-only GitHub viewer's pages pass the same accessibility check.
import chromium from "@sparticuz/chromium";
import axe from "axe-core";
import puppeteer from "puppeteer-core";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../../app/console/auth/sessions.ts";
import { REPO } from "../harness.ts";
import type { World } from "../harness.ts";
import { request, signInWithGitHub, startConsoleWorld } from "./world.ts";

let w: World;
let browser: Browser;
let id: string;

beforeAll(async () => {
  w = await startConsoleWorld({ local: true });
  id = await request(w, 'docs: <b>bold</b> & "quoted" for the browser');
  browser = await puppeteer.launch({ args: chromium.args, executablePath: await chromium.executablePath(), headless: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await w?.close();
});

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
async function violations(page: Page): Promise<Violation[]> {
  await page.evaluate(axe.source);
  const all = (await page.evaluate(
    `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) })))`,
  )) as Violation[];
  return all.filter((v) => v.impact === "serious" || v.impact === "critical");
}

async function open(path: string, width: number, status = 200, world: World = w): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  const res = await page.goto(`${world.app.url}${path}`, { waitUntil: "load" });
  expect(res?.status(), path).toBe(status);
  return page;
}

/** Forgets every cookie the browser holds (sign-in sessions). */
async function clearCookies(): Promise<void> {
  const page = await browser.newPage();
  const cdp = await page.createCDPSession();
  await cdp.send("Network.clearBrowserCookies");
  await page.close();
}

/** No serious or critical violation, and the page itself never scrolls sideways. */
async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await violations(page), what).toEqual([]);
  // wide tables and diffs scroll inside their own region, never the page
  const overflow = (await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")) as number;
  const wide = await page.evaluate(
    `[...document.querySelectorAll("main *")].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth).slice(0, 5).map((e) => e.tagName + "." + e.className)`,
  );
  expect(overflow, `${what} scrolls sideways: ${JSON.stringify(wide)}`).toBeLessThanOrEqual(0);
}

describe("every page at laptop and phone width", () => {
  for (const width of [1280, 390])
    it(`has no serious or critical accessibility violations at ${width} px, and nothing wider than the screen`, async () => {
      for (const path of ["/console/", `/console/changes/${id}`, "/console/live", "/console/policy", "/console/changes/nope"]) {
        const page = await open(path, width, path.endsWith("/nope") ? 404 : 200);
        await expectAccessible(page, `${path} at ${width} px`);
        await page.close();
      }
    }, 120_000);
});

describe("live over the event stream", () => {
  it("stop pressed with the keyboard stops Ouro, and another open Live page shows it without a reload", async () => {
    const watcher = await open("/console/live", 1280);
    await watcher.waitForFunction(`document.body.getAttribute("data-stream") === "open"`);
    await watcher.evaluate(`window.__notReloaded = true`);
    const page = await open("/console/live", 390);
    // Tab through the page until the stop button has focus, then press Enter.
    let label = "";
    for (let i = 0; i < 60 && label !== "Stop Ouro"; i++) {
      await page.keyboard.press("Tab");
      label = (await page.evaluate(`document.activeElement ? document.activeElement.textContent.trim() : ""`)) as string;
    }
    expect(label).toBe("Stop Ouro");
    const outline = (await page.evaluate(`getComputedStyle(document.activeElement).outlineStyle`)) as string;
    expect(outline).not.toBe("none"); // focus is visible
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    expect(await page.$eval("#stop-state", (e) => e.textContent)).toContain("stopped");
    expect(w.app.store.values.stop()).toMatchObject({ stopped: true, by: "local (console, local)" });
    await watcher.waitForFunction(`document.getElementById("stop-state").textContent.includes("stopped")`);
    expect(await watcher.evaluate(`window.__notReloaded === true`)).toBe(true);
    expect(await watcher.$eval("#live-switches button", (e) => e.textContent?.trim())).toBe("Resume Ouro");
    await Promise.all([watcher.waitForNavigation(), watcher.click("#live-switches button")]);
    expect(w.app.store.values.stop().stopped).toBe(false);
    await page.close();
    await watcher.close();
  }, 60_000);

  it("a new change appears on an open Changes page without a reload", async () => {
    const page = await open("/console/", 1280);
    await page.waitForFunction(`document.body.getAttribute("data-stream") === "open"`);
    await page.evaluate(`window.__notReloaded = true`);
    const next = await request(w, "docs: a second change, seen live");
    await page.waitForFunction(`!!document.getElementById(${JSON.stringify(`change-${next}`)})`);
    expect(await page.evaluate(`window.__notReloaded === true`)).toBe(true);
    expect(await page.$eval("#changes-heading", (e) => e.textContent)).toContain("All changes: 2");
    await page.close();
  }, 60_000);
});

describe("production sign-in pages, problem pages and a read-only viewer", () => {
  let prod: World;
  let deployed: string;
  let reader: string; // rita's session cookie (read access on GitHub)

  beforeAll(async () => {
    prod = await startConsoleWorld({ github: true });
    prod.gh.driver.setPermission(REPO, "rita", "read");
    prod.gh.driver.user("rita");
    deployed = await request(prod, "docs: a change rita may look at");
    const c = () => prod.app.store.changes.byId(deployed)!;
    await prod.check(c().headSha!, "success");
    await prod.settle();
    await prod.gh.driver.user("deployer").request("POST", `/repos/${REPO}/deployments/${c().deploymentId}/statuses`, { state: "success" });
    await prod.settle();
    expect(c().state).toBe("deployed");
    reader = (await signInWithGitHub(prod, "rita")).cookie(new URL(prod.app.url).origin, SESSION_COOKIE)!;
    expect(reader).toBeTruthy();
  }, 120_000);
  afterAll(() => prod?.close());

  for (const width of [1280, 390])
    it(`none has a serious or critical accessibility violation at ${width} px`, async () => {
      // A visitor who is not signed in (this Chromium runs one profile: its cookies are cleared).
      await clearCookies();
      const signedOut: [string, number][] = [
        ["/console/auth/sign-in", 200],
        ["/console/auth/sign-out", 200], // "you are signed out"
        ["/console/auth/callback?state=forged&code=x", 400], // "Sign-in not finished"
        ["/console/auth/nope", 404],
      ];
      for (const [path, status] of signedOut) {
        const page = await open(path, width, status, prod);
        await expectAccessible(page, `${path} at ${width} px`);
        await page.close();
      }

      // A wrong token typed on the sign-in page: the page again with the problem, announced.
      const signIn = await open("/console/auth/sign-in", width, 200, prod);
      await signIn.type("#token", "not-the-console-token-0123456789abcdef");
      const [refused] = await Promise.all([signIn.waitForNavigation(), signIn.click("form button[type=submit]")]);
      expect(refused?.status()).toBe(401);
      expect(await signIn.$eval("[role=alert]", (e) => e.textContent)).toBe("That token is not right.");
      await expectAccessible(signIn, `the refused token at ${width} px`);
      await signIn.close();

      // Rita may look but not act: her pages, the sign-out form, and a refused action.
      for (const path of ["/console/", `/console/changes/${deployed}`, "/console/live", "/console/policy", "/console/auth/sign-out"]) {
        const page = await browser.newPage();
        await page.setViewport({ width, height: 900 });
        await page.setCookie({ name: SESSION_COOKIE, value: reader, url: prod.app.url });
        const res = await page.goto(`${prod.app.url}${path}`, { waitUntil: "load" });
        expect(res?.status(), path).toBe(200);
        if (path !== "/console/auth/sign-out") expect(await page.$eval(".viewer", (e) => e.textContent)).toMatch(/rita\s+—\s+read only/);
        await expectAccessible(page, `${path} as a reader at ${width} px`);
        if (path === "/console/live") {
          // Her buttons are disabled; a form sent anyway (as a script could) gets the plain-words 403 page.
          expect(await page.evaluate(`document.querySelector("#live-switches button").disabled`)).toBe(true);
          const [forbidden] = await Promise.all([
            page.waitForNavigation(),
            page.evaluate(`document.querySelector("#live-switches form").submit()`),
          ]);
          expect(forbidden?.status()).toBe(403);
          expect(prod.app.store.values.stop().stopped).toBe(false);
          await expectAccessible(page, `the refused action at ${width} px`);
        }
        await page.close();
      }
      await clearCookies();
    }, 180_000);
});
