// The chat pane in a real browser (headless Chromium from @sparticuz/chromium, driven by
// puppeteer-core) against the Discord stand-in and a real discord.js bot: axe-core finds no
// serious or critical violation at laptop and phone widths and nothing scrolls sideways; a
// command is chosen, filled in and run with the keyboard; a deferred answer turns from thinking
// into the edit and the follow-up without a reload; a button is pressed; a message someone else
// writes, a new thread and a progress edit in it, and a command registered while the page is
// open appear without a reload.
import type { Browser, ElementHandle, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, seriousViolations as violations } from "./browser-checks.ts";
import { Gate, startChatWorld, type ChatWorld } from "./chat-world.ts";

let w: ChatWorld;
let browser: Browser;

beforeAll(async () => {
  w = await startChatWorld();
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await w?.close();
});

async function open(query: string, width = 1280): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  const res = await page.goto(`${w.pane}/${query}`, { waitUntil: "load" });
  expect(res?.status(), query).toBe(200);
  return page;
}

/** Waits until the element matching `selector` has `text` in its text (the page's own script updates it). */
async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(`(document.querySelector(${JSON.stringify(selector)})?.textContent ?? "").includes(${JSON.stringify(text)})`, {
    timeout: 15_000,
  });
}

/** A button (or link) under `scope` whose text is `label`. */
async function control(page: Page, scope: string, label: string): Promise<ElementHandle> {
  const handle = await page.waitForFunction(
    `[...document.querySelectorAll(${JSON.stringify(`${scope} button, ${scope} a`)})].find((b) => b.textContent.trim() === ${JSON.stringify(label)})`,
    { timeout: 15_000 },
  );
  return handle as unknown as ElementHandle;
}

/** Runs `action` (a click, a key) and waits for the navigation it causes (POST → redirect → GET). */
async function navigating(page: Page, action: () => Promise<unknown>): Promise<URL> {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), action()]);
  return new URL(page.url());
}

/** Chooses a command in the form and waits for its options. */
async function choose(page: Page, command: string): Promise<void> {
  await page.select("#command-select", command);
  await navigating(page, async () => (await control(page, "#command", "Choose")).click());
  expect(new URL(page.url()).searchParams.get("command")).toBe(command);
}

const notReloaded = (page: Page) => page.evaluate(`window.__notReloaded === true`);

describe("at laptop and phone width", () => {
  for (const width of [1280, 390])
    it(`has no serious or critical accessibility violations at ${width} px, and nothing wider than the screen`, async () => {
      const page = await open("?as=max&channel=general&command=echo", width);
      expect(await violations(page)).toEqual([]);
      const overflow = (await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      // every form control has a label (axe checks it too; this names what the story relies on)
      const labels = await page.evaluate(
        `[...document.querySelectorAll("select, input:not([type=hidden]), textarea")].map((e) => e.labels?.[0]?.textContent?.trim() ?? "")`,
      );
      expect(labels).toEqual(["You are", "Command", "text (required)", "times", "loud", "who", "where"]);
      await page.close();
    }, 60_000);
});

describe("acting through the page", () => {
  it("a command chosen, filled in and run with the keyboard; its reply shows", async () => {
    const page = await open("?as=max&channel=general", 390);
    await choose(page, "echo");
    await page.focus("#opt-text");
    await page.keyboard.type("hello <b>");
    await page.select("#opt-times", "2");
    await page.focus("#opt-text");
    const url = await navigating(page, () => page.keyboard.press("Enter"));
    expect(url.searchParams.get("interaction")).toMatch(/^\d+$/);
    await waitForText(page, "#reply", "echo hello <b>hello <b>");
    expect(await page.evaluate(`document.querySelector("#reply h2").textContent`)).toBe("Your /echo");
    expect(await violations(page)).toEqual([]);
    await page.close();
  }, 60_000);

  it("a deferred answer: thinking, then the edit and the follow-up, without a reload", async () => {
    w.gates.slow = new Gate();
    const page = await open("?as=maya&channel=general");
    await choose(page, "slow");
    await navigating(page, async () => (await control(page, "#command", "Run")).click());
    await page.evaluate(`window.__notReloaded = true`);
    await waitForText(page, "#reply", "Ouro is thinking…");
    w.gates.slow.open();
    await waitForText(page, "#reply", "slow follow-up");
    await waitForText(page, "#reply", "slow done");
    await waitForText(page, "#messages", "slow follow-up");
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  }, 60_000);

  it("a button on a message is pressed, and the message shows the bot's update", async () => {
    const page = await open("?as=nia&channel=general");
    await choose(page, "vote");
    await navigating(page, async () => (await control(page, "#command", "Run")).click());
    const id = new URL(page.url()).searchParams.get("interaction")!;
    const rec = await w.discord.driver.waitFor(() => w.discord.driver.interaction(id)?.original_message_id, "the vote message");
    const li = `#messages li.message[data-id="${rec}"]`;
    await waitForText(page, li, "Vote <b>now</b>");
    await page.setViewport({ width: 390, height: 900 });
    expect(await violations(page)).toEqual([]); // an embed, coloured buttons and a link button, at phone width
    await navigating(page, async () => (await control(page, li, "Yes")).click());
    await waitForText(page, li, "voted yes by nia");
    expect(await page.evaluate(`document.querySelectorAll(${JSON.stringify(`${li} button`)}).length`)).toBe(0);
    await page.close();
  }, 60_000);

  it("a command the bot registers appears in the command form without a reload; what was typed stays", async () => {
    const page = await open("?as=max&channel=general");
    await choose(page, "echo");
    await page.focus("#opt-text");
    await page.keyboard.type("still here");
    await page.evaluate(`window.__notReloaded = true`);
    // registered as the bot does it after a deploy: Discord's REST API, through discord.js
    const hello = await w.client.application!.commands.create({ name: "hello", description: "Says hello" }, w.discord.guild.id);
    try {
      await page.waitForFunction(`[...document.querySelectorAll("#command-select option")].some((o) => o.value === "hello")`, {
        timeout: 15_000,
      });
      expect(await notReloaded(page)).toBe(true);
      // said in a polite live region, for those who do not see the list change
      expect(await page.evaluate(`document.getElementById("command-status").textContent`)).toBe(
        "The registered commands changed: new /hello.",
      );
      expect(await page.evaluate(`document.getElementById("command-select").value`)).toBe("echo");
      expect(await page.evaluate(`document.getElementById("opt-text").value`)).toBe("still here");
      expect(await page.evaluate(`document.activeElement.id`)).toBe("opt-text");
      // Enter still runs the command from the redrawn form
      const url = await navigating(page, () => page.keyboard.press("Enter"));
      expect(url.searchParams.get("interaction")).toMatch(/^\d+$/);
      await waitForText(page, "#reply", "echo still here");
      expect(await violations(page)).toEqual([]);
    } finally {
      await w.client.application!.commands.delete(hello.id, w.discord.guild.id);
    }
    await page.close();
  }, 60_000);

  it("what others write, a new thread and a progress edit in it appear without a reload", async () => {
    w.gates.request = new Gate();
    const page = await open("?as=max&channel=requests");
    await page.evaluate(`window.__notReloaded = true`);
    w.discord.driver.say({ user: "maya", channel: "requests", content: "someone else says hi" });
    await waitForText(page, "#messages", "someone else says hi");
    // the thread the bot starts from its reply shows in the channel list, live
    const run = w.discord.driver.runCommand({ user: "maya", channel: "requests", name: "request" });
    await run.reply();
    await waitForText(page, 'nav[aria-label="Channels"]', "🧵 request-1");
    expect(await notReloaded(page)).toBe(true);
    await navigating(page, async () => (await control(page, 'nav[aria-label="Channels"]', "🧵 request-1")).click());
    await page.evaluate(`window.__notReloaded = true`);
    await waitForText(page, "#messages", "progress: working");
    w.gates.request.open();
    await waitForText(page, "#messages", "progress: done");
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  }, 60_000);
});
