// The driver: option typing from registered definitions, clear errors and timeouts, the HTTP driver, the CLI.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { Events, MessageFlags } from "discord.js";
import type { Client } from "discord.js";
import type { APIChatInputApplicationCommandInteraction } from "discord-api-types/v10";
import { startDiscord } from "../../../local/discord/index.ts";
import type { DiscordStandIn } from "../../../local/discord/index.ts";
import { readyClient } from "./helpers.ts";

let discord: DiscordStandIn;
let client: Client;

beforeAll(async () => {
  discord = await startDiscord();
  client = await readyClient(discord);
  await client.application!.commands.set([
    {
      name: "feature",
      description: "Ask",
      options: [
        { type: 3, name: "text", description: "what", required: true },
        {
          type: 4,
          name: "n",
          description: "n",
          choices: [
            { name: "one", value: 1 },
            { name: "two", value: 2 },
          ],
        },
        { type: 7, name: "where", description: "channel" },
        { type: 8, name: "role", description: "role" },
      ],
    },
    {
      name: "config",
      description: "Config",
      options: [
        {
          type: 2,
          name: "vote",
          description: "votes",
          options: [{ type: 1, name: "set", description: "set", options: [{ type: 10, name: "quorum", description: "q" }] }],
        },
      ],
    },
    { name: "silent", description: "The bot never answers this" },
    {
      name: "plugin",
      description: "Plugin",
      options: [
        { type: 3, name: "name", description: "which", required: true, autocomplete: true },
        { type: 5, name: "force", description: "force", required: true },
      ],
    },
  ]);
  client.on(Events.InteractionCreate, async (i) => {
    if (i.isAutocomplete()) {
      const typed = i.options.getFocused();
      await i.respond(["dance", "dice", "weather"].filter((n) => n.startsWith(typed)).map((n) => ({ name: n, value: n })));
      return;
    }
    if (!i.isChatInputCommand() || i.commandName === "silent") return;
    if (i.commandName === "feature")
      await i.reply({
        content: `ok ${i.options.getString("text")}`,
        flags: i.options.getInteger("n") === 2 ? MessageFlags.Ephemeral : undefined,
      });
    else await i.reply(`quorum ${i.options.getNumber("quorum")}`);
  });
});
afterAll(async () => {
  await client?.destroy();
  await discord?.close();
});

describe("driver", () => {
  it("types options from the registered definition, with resolved channels and roles", async () => {
    const h = discord.driver.runCommand({
      user: "alice",
      channel: "#general",
      name: "feature",
      options: { text: "x", n: 1, where: "requests", role: "maintainer" },
    });
    const p = h.payload as APIChatInputApplicationCommandInteraction;
    expect(p.data.options).toEqual([
      { type: 3, name: "text", value: "x" },
      { type: 4, name: "n", value: 1 },
      { type: 7, name: "where", value: discord.guild.channels.requests },
      { type: 8, name: "role", value: discord.guild.roles.maintainer },
    ]);
    expect(p.data.resolved?.channels?.[discord.guild.channels.requests]?.name).toBe("requests");
    expect(p.data.resolved?.roles?.[discord.guild.roles.maintainer]?.name).toBe("maintainer");
    expect(p.member?.user.id).toBe(discord.guild.users.alice);
    expect((await h.reply()).content).toBe("ok x");
  });

  it("nests subcommand groups and converts numbers", async () => {
    const h = discord.driver.runCommand({
      user: "bob",
      channel: "general",
      name: "config",
      subcommand: "vote set",
      options: { quorum: "2.5" },
    });
    expect((h.payload as APIChatInputApplicationCommandInteraction).data.options).toEqual([
      { type: 2, name: "vote", options: [{ type: 1, name: "set", options: [{ type: 10, name: "quorum", value: 2.5 }] }] },
    ]);
    expect((await h.reply()).content).toBe("quorum 2.5");
  });

  it.each([
    [{ name: "nope" }, /no slash command \/nope is registered.*feature/],
    [{ name: "feature", options: {} }, /option "text" of \/feature is required/],
    [{ name: "feature", options: { text: "x", bogus: 1 } }, /has no option "bogus"/],
    [{ name: "feature", options: { text: "x", n: 3 } }, /3 is not one of the choices 1, 2/],
    [{ name: "feature", options: { text: "x", n: "1.5" } }, /is not an integer/],
    [{ name: "config" }, /needs a subcommand: vote/],
    [{ name: "feature", user: "carol", options: { text: "x" } }, /unknown user "carol"/],
    [{ name: "feature", channel: "random", options: { text: "x" } }, /unknown channel "random"/],
  ])("refuses bad invocations with a clear error: %o", (input, error) => {
    const before = discord.driver.interactionCount();
    expect(() => discord.driver.runCommand({ user: "alice", channel: "general", ...input })).toThrow(error);
    expect(discord.driver.interactionCount()).toBe(before); // nothing dispatched, nothing stored
  });

  it("autocomplete: the focused option's partial text goes out, the bot's choices come back", async () => {
    const h = discord.driver.autocomplete({ user: "alice", channel: "general", name: "plugin", focused: "name", options: { name: "d" } });
    expect((h.payload as { data: { options: unknown[] } }).data.options).toEqual([{ type: 3, name: "name", value: "d", focused: true }]);
    expect(await h.choices()).toEqual([
      { name: "dance", value: "dance" },
      { name: "dice", value: "dice" },
    ]);
    expect(() => discord.driver.autocomplete({ user: "alice", channel: "general", name: "plugin", focused: "force", options: {} })).toThrow(
      /does not have autocomplete/,
    );
    const res = await fetch(`${discord.driverUrl}/commands/autocomplete`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "bob", channel: "general", name: "plugin", focused: "name", options: { name: "w" } }),
    });
    expect(((await res.json()) as { choices: unknown[] }).choices).toEqual([{ name: "weather", value: "weather" }]);
  });

  it("a wait that times out says what was awaited and what the bot did", async () => {
    const h = discord.driver.runCommand({ user: "alice", channel: "general", name: "silent", timeoutMs: 150 });
    await expect(h.reply()).rejects.toThrow(
      /timed out after 150 ms waiting for a reply to \/silent \(interaction \d+\); the bot did: nothing yet; bot sessions connected: 1/,
    );
    await expect(discord.driver.waitForMessage("general", () => false, { timeoutMs: 50 })).rejects.toThrow(
      /a message in #general; last messages there/,
    );
  });

  it("waits for a message to be edited into a state, and for any condition", async () => {
    const channel = client.channels.cache.get(discord.guild.channels.general) as import("discord.js").TextChannel;
    const msg = await channel.send("progress: 0%");
    const done = discord.driver.waitForMessageUpdate(msg.id, (m) => m.content.endsWith("100%"));
    await msg.edit("progress: 50%");
    await msg.edit("progress: 100%");
    expect((await done).content).toBe("progress: 100%");
    await expect(discord.driver.waitForMessageUpdate(msg.id, (m) => m.content === "never", { timeoutMs: 50 })).rejects.toThrow(
      /it is now "progress: 100%"/,
    );
    const threads = discord.driver.waitFor(
      () => discord.driver.threads("general").length >= 1 && discord.driver.threads("general"),
      "a thread in #general",
    );
    await channel.threads.create({ name: "side" });
    expect((await threads).map((t) => t.name)).toEqual(["side"]);
  });

  it("a user cannot click a button on someone else's ephemeral message", async () => {
    const h = discord.driver.runCommand({ user: "alice", channel: "general", name: "feature", options: { text: "x", n: 2 } });
    const reply = await h.reply();
    expect(reply.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(() => discord.driver.clickButton({ user: "bob", message: reply.id, customId: "any" })).toThrow(/ephemeral/);
  });

  it("creates users, roles and channels the connected bot learns about", async () => {
    const role = discord.driver.createRole({ name: "reviewer", permissions: ["ManageGuild"] });
    const added = once(client, Events.ChannelCreate);
    const ch = discord.driver.createChannel({ name: "votes" });
    const [channel] = await added;
    expect(channel.id).toBe(ch.id);
    const carol = discord.driver.createUser({ name: "carol", roles: ["reviewer"] });
    expect(discord.driver.guild().users.carol).toBe(carol.id);
    expect(client.guilds.cache.get(discord.guild.id)?.roles.cache.get(role.id)?.name).toBe("reviewer");
    expect(() => discord.driver.createUser({ name: "carol" })).toThrow(/already exists/);
    expect(() => discord.driver.createRole({ name: "x", permissions: ["NotAPermission"] })).toThrow(/unknown permission/);
  });

  it("works over HTTP under /_driver", async () => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${discord.driverUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const run = await post("/commands/run", { user: "bob", channel: "general", name: "feature", options: { text: "over http" } });
    expect(run.status).toBe(200);
    expect((run.body.reply as { content: string }).content).toBe("ok over http");
    const msgs = (await (await fetch(`${discord.driverUrl}/channels/general/messages`)).json()) as { content: string }[];
    expect(msgs.at(-1)?.content).toBe("ok over http");
    expect(await post("/commands/run", { user: "bob", name: "feature" })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/channel/) },
    });
    expect(await post("/commands/run", { user: "bob", channel: "general", name: "silent", timeoutMs: 100 })).toMatchObject({ status: 504 });
    expect(await post("/nope", {})).toMatchObject({ status: 404 });
    const said = await post("/messages", { user: "alice", channel: "general", content: "hi" });
    expect(said.body).toMatchObject({ content: "hi" });
    expect((await post(`/messages/${String(said.body.id)}/edit`, { user: "alice", content: "hi!" })).body).toMatchObject({
      content: "hi!",
    });
    expect(await post(`/messages/${String(said.body.id)}/delete`, { user: "bob" })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/did not write/) },
    });
    const state = (await (await fetch(`${discord.driverUrl}/`)).json()) as { guild: { id: string }; sessions: unknown[] };
    expect(state.guild.id).toBe(discord.guild.id);
    expect(state.sessions).toHaveLength(1);
  });
});

describe("closing", () => {
  it("rejects pending waits at once when the stand-in closes", async () => {
    const other = await startDiscord();
    // The wait's own timeout is past the test's: only the close can end it (its message says so).
    const waiting = other.driver.waitForMessage("general", () => true, { timeoutMs: 60_000 });
    await other.close();
    await expect(waiting).rejects.toThrow(/closed while waiting for a message in #general/);
  });
});

describe("CLI", () => {
  it("refuses bad arguments with the usage and exit code 2", async () => {
    const child = spawn(process.execPath, ["local/cli.ts", "discord", "--port", "http"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(err).toMatch(/--port must be 0..65535, got http\nusage: npm run local -- discord/);
  });

  it("`npm run local -- discord` seeds, prints the token and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["local/cli.ts", "discord", "--port", "0", "--token", "local-token-123"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = once(child, "exit");
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no banner: ${out}`)), 15_000);
        child.stdout.on("data", () => out.includes("users:") && (clearTimeout(t), resolve()));
      });
      const token = /bot token:\s+(\S+)/.exec(out)?.[1];
      expect(token).toBe("local-token-123");
      const url = /listening on (\S+)/.exec(out)?.[1];
      expect(out).toMatch(/channels:\s+#general=\d+ #requests=\d+/);
      expect(out).toMatch(/users:\s+alice=\d+ bob=\d+ admin=\d+/);
      const me = await fetch(`${url}/api/v10/users/@me`, { headers: { authorization: `Bot ${token}` } });
      expect(me.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      const [code] = await exited;
      expect(code).toBe(0);
    }
  });
});
