// The console in a real browser: headless Chromium (from @sparticuz/chromium, driven by
// puppeteer-core) loads every page at laptop (1280 px) and phone (390 px) widths, axe-core
// finds no serious or critical accessibility violation, the emergency stop is pressed with
// the keyboard and another open Live page shows it through the event stream, and a new
// change appears on an open Changes page without a reload. Local-mode sign-in (loopback).
import chromium from "@sparticuz/chromium";
import axe from "axe-core";
import puppeteer from "puppeteer-core";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../harness.ts";
import { request, startConsoleWorld } from "./world.ts";

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

async function open(path: string, width: number, status = 200): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  const res = await page.goto(`${w.app.url}${path}`, { waitUntil: "load" });
  expect(res?.status(), path).toBe(status);
  return page;
}

describe("every page at laptop and phone width", () => {
  for (const width of [1280, 390])
    it(`has no serious or critical accessibility violations at ${width} px, and nothing wider than the screen`, async () => {
      for (const path of ["/console/", `/console/changes/${id}`, "/console/live", "/console/policy", "/console/changes/nope"]) {
        const page = await open(path, width, path.endsWith("/nope") ? 404 : 200);
        expect(await violations(page), `${path} at ${width} px`).toEqual([]);
        // the page itself never scrolls sideways (wide tables and diffs scroll inside their own region)
        const overflow = (await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")) as number;
        const wide = await page.evaluate(
          `[...document.querySelectorAll("main *")].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth).slice(0, 5).map((e) => e.tagName + "." + e.className)`,
        );
        expect(overflow, `${path} at ${width} px scrolls sideways: ${JSON.stringify(wide)}`).toBeLessThanOrEqual(0);
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
