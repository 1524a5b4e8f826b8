// Discord's 3 s for a first answer run from the interaction's creation. A shard whose event loop
// was busy when the interaction arrived (issue 15: a loaded host) has already spent part of them,
// and must not wait its usual second for the app on top. Here the whole process (bot and Discord
// stand-in alike) is held for 2 s right after the command is created: a bot that counted its
// second from receipt would defer at 3 s or later, which the stand-in refuses as Discord does.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.ts";
import { DEFER_AFTER_MS } from "../../bot/core/defer-if-slow.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Holds this process's event loop (as a blocked shard's) for `ms`. */
function hold(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: nothing else in this process runs meanwhile
  }
}

it("an interaction that reaches the bot late is deferred at once, inside Discord's 3 s", async () => {
  let release!: () => void;
  h.app.submitGate = new Promise((r) => (release = r)); // the app answers only after the deferral
  try {
    const handle = h.discord.driver.runCommand({
      user: "alice",
      channel: "general",
      name: "feature",
      subcommand: "request",
      options: { text: "late but answered" },
    });
    hold(2 * DEFER_AFTER_MS);
    const first = await handle.response();
    expect(first.callbackType).toBe(5); // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, accepted within the window
    release();
    const [edited] = await handle.edits(1);
    expect(edited.content).toContain("late but answered");
  } finally {
    release();
    h.app.submitGate = undefined;
  }
});
