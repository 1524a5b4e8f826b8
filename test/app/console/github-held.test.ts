// A change page never waits for a slow GitHub: with GitHub's pull request answers held (a small
// proxy in front of the stand-in keeps them until the test lets go), a page opened right after
// a restart answers at once with what the store knows and says the rest is loading; once
// GitHub answers, the event stream says so (`github`) and the page has the diff. In Chromium,
// the loading page passes axe-core and console.js fills the parts in without a reload.
import { createServer, request as forward } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { consoleGitHubViews } from "../../../app/console/index.ts";
import type { World } from "../harness.ts";
import { launchChromium, seriousViolations } from "../../local/mode/browser-checks.ts";
import { events, fullChangePage, get, request, session, startConsoleWorld } from "./world.ts";

/** A gate: a promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A proxy to `target` that holds the requests `holds` picks from `hold()` until `release()`. */
async function holdingProxy(target: string, holds: (method: string, path: string) => boolean) {
  const to = new URL(target);
  let released = gate();
  let held = gate();
  const state = { holding: true, held: 0, answered: 0 };
  const server = createServer((req, res) => {
    const go = () => {
      const up = forward(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on("error", (err) => res.destroy(err));
      req.pipe(up);
    };
    if (!state.holding || !holds(req.method ?? "GET", req.url ?? "/")) return go();
    state.held++;
    held.open();
    void released.opened.then(() => {
      state.answered++;
      go();
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    /** Resolves when a request is held (since the last `hold()`). */
    oneHeld: () => held.opened,
    /** Holds again (the proxy starts holding). */
    hold() {
      released = gate();
      held = gate();
      Object.assign(state, { holding: true, held: 0, answered: 0 });
    },
    release() {
      state.holding = false;
      released.open();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let w: World;
let id: string;
let proxy: Awaited<ReturnType<typeof holdingProxy>>;
let browser: Browser | undefined;

beforeAll(async () => {
  w = await startConsoleWorld();
  id = await request(w, "docs: a change whose page is opened while GitHub is slow");
  // The app's GitHub API through the proxy, which holds every read of a pull request.
  proxy = await holdingProxy(w.gh.url, (method, path) => method === "GET" && /\/repos\/[^/]+\/[^/]+\/pulls\/\d+(\/|\?|$)/.test(path));
  w.config.apiUrl = `${proxy.url}/api/v3`;
  await w.restart(); // the console's start asks for the changes in flight: held
}, 60_000);
afterAll(async () => {
  await browser?.close();
  proxy?.release();
  await w?.close();
  await proxy?.close();
});

it("a change page answers at once while GitHub holds the PR, then the github event brings the diff", async () => {
  const stream = await events(w);
  await proxy.oneHeld(); // the start's warm-up is waiting on GitHub
  const page = await get(w, `/console/changes/${id}`);
  expect(page.status).toBe(200);
  expect(proxy.state.answered, "GitHub answered nothing while the page was made").toBe(0);
  // what the store knows is there
  expect(page.text).toContain("docs: a change whose page is opened while GitHub is slow");
  expect(page.text).toMatch(/<span class="event">request<\/span>/);
  expect(page.text).toContain(`href="${w.app.store.changes.byId(id)!.prUrl}"`);
  // the GitHub parts say they are coming, for people and for assistive technology, with a link to ask again
  expect(page.text).toContain('<section id="change-diff" data-live aria-labelledby="diff-heading" aria-busy="true">');
  expect(page.text).toContain("Loading the diff from GitHub…");
  expect(page.text).toContain("Loading the check runs and statuses from GitHub…");
  expect(page.text).toContain("Loading the reviews from GitHub…");
  expect(page.text).toMatch(
    /<p class="message loading" role="status">GitHub has not answered yet.*<a href="\/console\/changes\/[^"]+">Reload<\/a>/,
  );
  expect(page.text).not.toContain('<tr class="add">');

  const filled = stream.next((e) => e.data.kind === "github" && e.data.changeId === id);
  proxy.release();
  await filled;
  await consoleGitHubViews(w.app.context)!.ready(id);
  await w.app.context.policy(); // read behind the held work too: kept now (the votes' requirement)
  const full = await get(w, `/console/changes/${id}`);
  expect(full.text).toContain('<tr class="add">');
  expect(full.text).toContain("## What was asked"); // the PR's body
  expect(full.text, full.text.slice(full.text.indexOf("aria-busy") - 300, full.text.indexOf("aria-busy") + 900)).not.toContain("aria-busy");
  expect(full.text).not.toContain("from GitHub…");
  stream.close();
});

it("a page with everything kept shows it all at once (no placeholder), as the helper waits for", async () => {
  await consoleGitHubViews(w.app.context)!.ready(id);
  const page = await fullChangePage(w, id);
  expect(page.text).toContain('<tr class="add">');
  expect(page.text).not.toContain("aria-busy");
});

it("in a browser: the page shows the placeholders (accessibly) and fills them in without a reload", async () => {
  const cookie = (await session(w)).cookie.split("="); // signed in before: the session outlives the restart
  await w.settle(); // the last test's background work done, so the restart leaves none behind
  proxy.hold();
  await w.restart();
  await proxy.oneHeld();
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.setCookie({ name: cookie[0], value: cookie.slice(1).join("="), url: w.app.url });
  const res = await page.goto(`${w.app.url}/console/changes/${id}`, { waitUntil: "load" });
  expect(res?.status()).toBe(200);
  expect(await page.evaluate(`document.getElementById("change-diff").getAttribute("aria-busy")`)).toBe("true");
  expect(await seriousViolations(page)).toEqual([]);
  await page.evaluate(`window.__notReloaded = true`);
  proxy.release();
  await page.waitForFunction(`!!document.querySelector("#change-diff tr.add") && !document.querySelector("[aria-busy]")`, {
    timeout: 30_000,
  });
  expect(await page.evaluate(`window.__notReloaded === true`)).toBe(true);
  expect(await page.evaluate(`document.getElementById("change-github").textContent.trim()`)).toBe("");
  expect(await seriousViolations(page)).toEqual([]);
}, 120_000);
