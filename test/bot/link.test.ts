// /link github through the real bot (discord.js on the Discord stand-in) and the REAL Ouro app
// (on the GitHub stand-in): the ephemeral reply carries a one-time code and the issue to post
// it on; posted from that GitHub login, it links the Discord user. A missing or malformed
// login gets a plain reply and nothing is asked of the app; `remove:true` removes the link.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageFlags } from "discord.js";
import type { DiscordStandIn } from "../../local/discord/index.ts";
import { REPO, type World } from "../app/harness.ts";
import { startBotWithApp, type BotWithApp } from "./app-world.ts";

let world: World;
let discord: DiscordStandIn;
let setup: BotWithApp | undefined;

beforeAll(async () => {
  setup = await startBotWithApp();
  ({ world, discord } = setup);
});
afterAll(async () => {
  await setup?.close();
});

const ephemeral = (m: { flags?: number }) => ((m.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
const link = (options: Record<string, string | boolean>) =>
  discord.driver.runCommand({ user: "alice", channel: "general", name: "link", subcommand: "github", options }).reply();
const aliceId = () => discord.driver.user("alice").id;
const codes = () => world.app.store.db.prepare("SELECT COUNT(*) AS n FROM identity_codes").get();

describe("/link github", () => {
  it("without a login, or with one that is not a GitHub login: a plain reply, nothing asked of the app", async () => {
    const none = await link({});
    expect(ephemeral(none)).toBe(true);
    expect(none.content).toBe("Which GitHub account? Use `/link github login:<your GitHub login>`. Nothing was linked.");
    const bad = await link({ login: "not a login" });
    expect(ephemeral(bad)).toBe(true);
    expect(bad.content).toMatch(/^`not a login` is not a GitHub login \(.*\)\. Nothing was linked\.$/);
    expect(codes()).toEqual({ n: 0 });
  });

  it("with a login: an ephemeral code to post from that account; posted, it links the Discord user", async () => {
    const reply = await link({ login: "@alice-gh" });
    expect(ephemeral(reply)).toBe(true);
    const code = /`\/ouro link ([2-9A-Z]{4}-[2-9A-Z]{4})`/.exec(reply.content)?.[1];
    const issue = Number(/\/acme\/bot\/issues\/(\d+)>/.exec(reply.content)?.[1]);
    expect(code, reply.content).toBeTruthy();
    expect(reply.content).toMatch(/^To link GitHub `alice-gh`, post this comment from that GitHub account within 15 minutes:/);
    await world.gh.driver.user("alice-gh").comment(REPO, issue, `/ouro link ${code}`);
    await world.settle();
    expect(world.app.store.identities.loginOf(aliceId())).toBe("alice-gh");
  });

  it("remove:true removes the link", async () => {
    const reply = await link({ remove: true });
    expect(ephemeral(reply)).toBe(true);
    expect(reply.content).toBe("🔓 Your Discord account is no longer linked to GitHub `alice-gh`.");
    expect(world.app.store.identities.loginOf(aliceId())).toBeNull();
    expect((await link({ remove: true })).content).toBe("Your Discord account was not linked to GitHub.");
  });
});
