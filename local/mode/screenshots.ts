// `npm run screenshots [-- --data DIR] [--port N] [--out DIR]`: pictures of the console for the
// README. Starts local mode (in a temporary data directory unless --data), runs the demo's
// whole loop through it (a real change: request, PR, checks, merge, deploy, rollback), then
// opens each console page and local mode's panes in headless Chromium at desktop (1280×800)
// and phone (390×844) width and writes docs/screenshots/<page>-<desktop|phone>.png, the first
// ~1.5 screens of each. A pane that does not answer 200 is skipped with a line saying so. If
// the loop stops part-way (e.g. the checks fail), the change is shot as it stands.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import chromium from "@sparticuz/chromium";
import puppeteer from "puppeteer-core";
import type { Browser } from "puppeteer-core";
import { API_PREFIX } from "../../contract/app-link.ts";
import { runDemo } from "./demo.ts";
import { secrets, startLocalMode, type Endpoints, type LocalMode } from "./start.ts";

const USAGE = "usage: npm run screenshots -- [--data DIR] [--port N] [--out DIR]   (default: a temporary data directory, free ports)";
const CHECKOUT = resolve(import.meta.dirname, "../..");

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
/** How much of a long page is kept: the first screen and a half. */
const SCREENS = 1.5;

interface Shot {
  name: string;
  url: string;
}

/** One page at one width: the first SCREENS screens (or less, for a short page) as a PNG. */
async function shoot(browser: Browser, shot: Shot, viewport: keyof typeof VIEWPORTS, file: string): Promise<void> {
  const page = await browser.newPage();
  try {
    const { width, height } = VIEWPORTS[viewport];
    await page.setViewport({ width, height, deviceScaleFactor: 1 });
    const res = await page.goto(shot.url, { waitUntil: "load" });
    if (res?.status() !== 200) throw new Error(`${shot.url} answered ${res?.status() ?? "nothing"}`);
    // a change page may show GitHub's parts loading at first; the shot is of the page filled in
    await page.waitForFunction('!document.querySelector("[aria-busy=true]")', { timeout: 30_000 });
    const full = (await page.evaluate("document.documentElement.scrollHeight")) as number;
    await page.screenshot({
      path: file as `${string}.png`,
      clip: { x: 0, y: 0, width, height: Math.min(full, Math.round(height * SCREENS)) },
      captureBeyondViewport: true,
    });
  } finally {
    await page.close();
  }
}

/** Whether a local-mode pane answers at all (the panes are optional). */
async function answers(url: string): Promise<number> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** The change the demo made: the one it rolled back (else the newest with a pull request). */
async function demoChange(e: Endpoints, appToken: string): Promise<string> {
  const res = await fetch(`${e.app.botLinkUrl}${API_PREFIX}/changes?limit=100`, { headers: { authorization: `Bearer ${appToken}` } });
  if (!res.ok) throw new Error(`the app's /changes answered ${res.status}`);
  const { changes } = (await res.json()) as { changes: { changeId: string; state: string; prUrl?: string }[] };
  const pick = changes.find((c) => c.state === "rolled-back") ?? changes.find((c) => c.prUrl);
  if (!pick) throw new Error("the app knows no change with a pull request");
  return pick.changeId;
}

export async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        data: { type: "string" },
        port: { type: "string", default: "0" },
        out: { type: "string", default: join(CHECKOUT, "docs/screenshots") },
        "step-timeout-s": { type: "string", default: "120" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || (port !== 0 && (port < 1024 || port > 65535 - 6))) {
    console.error(
      `--port must be 0 (free ports) or a port number from 1024 to 65529 (local mode also uses the next six), got ${values.port}`,
    );
    return 2;
  }
  const stepTimeoutMs = Number(values["step-timeout-s"]) * 1000;
  if (!(stepTimeoutMs > 0)) {
    console.error(`--step-timeout-s must be a positive number of seconds, got ${values["step-timeout-s"]}`);
    return 2;
  }
  const temporary = values.data === undefined;
  const dataDir = values.data === undefined ? mkdtempSync(join(tmpdir(), "ouro-screenshots-")) : resolve(values.data);
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });

  let local: LocalMode | null = null;
  let browser: Browser | null = null;
  try {
    console.log(`Starting local mode in ${dataDir} …`);
    local = await startLocalMode({ dataDir, checkout: CHECKOUT, basePort: port });
    const endpoints = JSON.parse(readFileSync(join(dataDir, "endpoints.json"), "utf8")) as Endpoints;
    const { appToken } = secrets(dataDir);
    console.log("Running the demo's loop for a real change …");
    const demo = await runDemo({ endpoints, appToken, stepTimeoutMs, print: (l) => console.log(`  ${l}`) });
    // A loop that stopped part-way still leaves a real change (its PR, verdict and checks): shown as it is.
    if (!demo.ok) console.log(`The demo stopped at step ${demo.steps.length + 1}; the pictures show the change as it stands.`);
    const change = await demoChange(endpoints, appToken);

    const app = endpoints.app.url.replace(/\/+$/, "");
    const panes = endpoints.page.replace(/\/+$/, "");
    const shots: Shot[] = [
      { name: "changes", url: `${app}/console/` },
      { name: "change", url: `${app}/console/changes/${encodeURIComponent(change)}` },
      { name: "live", url: `${app}/console/live` },
      { name: "policy", url: `${app}/console/policy` },
    ];
    for (const pane of ["chat", "review"]) {
      const url = `${panes}/${pane}/`;
      const status = await answers(url);
      if (status === 200) shots.push({ name: pane, url });
      else console.log(`skipped ${pane}: ${url} answered ${status || "nothing"} (the pane is not there yet)`);
    }

    browser = await puppeteer.launch({ args: chromium.args, executablePath: await chromium.executablePath(), headless: true });
    for (const shot of shots)
      for (const viewport of Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[]) {
        const file = join(out, `${shot.name}-${viewport}.png`);
        await shoot(browser, shot, viewport, file);
        console.log(relative(process.cwd(), file) || file);
      }
    return 0;
  } catch (err) {
    console.error(`screenshots: ${(err as Error).message}`);
    return 1;
  } finally {
    await browser?.close();
    await local?.close();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
