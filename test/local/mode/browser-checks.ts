// Headless Chromium for the local-mode page tests (the binary inside @sparticuz/chromium,
// driven by puppeteer-core, as the console's browser test does) and axe-core's verdict.
import chromium from "@sparticuz/chromium";
import axe from "axe-core";
import puppeteer from "puppeteer-core";
import type { Browser, Page } from "puppeteer-core";

/** `protocolTimeout` bounds one browser call, a long waitForFunction included (puppeteer's default: 180 s). */
export async function launchChromium(protocolTimeout = 180_000): Promise<Browser> {
  return puppeteer.launch({ args: chromium.args, executablePath: await chromium.executablePath(), headless: true, protocolTimeout });
}

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(axe.source);
  const all = (await page.evaluate(
    `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) })))`,
  )) as Violation[];
  return all.filter((v) => v.impact === "serious" || v.impact === "critical");
}
