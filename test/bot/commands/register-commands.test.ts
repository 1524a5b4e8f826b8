import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startDiscord, type DiscordStandIn } from "../../../local/discord/index.ts";
import { deployCommands } from "../../../bot/register-commands.ts";
import { coreCommands } from "../../../bot/commands/registry.ts";
import { PING_SOURCE, pluginRoot } from "../../helpers/plugin-root.ts";

const DANCE = `import { definePlugin } from "../../plugin-api/index.ts";\nexport default definePlugin({ name: "dance", description: "dances", commands: [{ name: "dance", description: "Dance", options: [{ name: "style", description: "How", type: "string", required: true, choices: [{ name: "waltz", value: "waltz" }] }], run() {} }] });\n`;

let discord: DiscordStandIn;
let dataDir: string;
beforeAll(async () => {
  discord = await startDiscord();
  dataDir = mkdtempSync(join(tmpdir(), "ouro-deploy-"));
});
afterAll(async () => {
  await discord?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("register-commands", () => {
  it("registers only when the definitions changed", async () => {
    const base = { token: discord.botToken, api: discord.apiBase, dataDir, guildId: discord.guild.id };
    const withPing = pluginRoot({ ping: PING_SOURCE });
    const first = await deployCommands({ ...base, pluginRoot: withPing });
    expect(first).toMatchObject({ registered: true, reason: "never registered from here" });
    expect(
      discord.driver
        .commands(discord.guild.id)
        .map((c) => c.name)
        .sort(),
    ).toEqual(["changes", "export", "feature", "forget", "help", "link", "ouro", "ping", "rollback", "status"]);
    expect(await deployCommands({ ...base, pluginRoot: withPing })).toMatchObject({
      registered: false,
      reason: "unchanged",
      hash: first.hash,
    });

    const withDance = pluginRoot({ ping: PING_SOURCE, dance: DANCE });
    const second = await deployCommands({ ...base, pluginRoot: withDance });
    expect(second).toMatchObject({ registered: true, reason: "definitions changed" });
    // The plugin's options, as plain data in the plugin API, arrive as Discord's JSON.
    expect(discord.driver.commands(discord.guild.id).find((c) => c.name === "dance")).toMatchObject({
      description: "Dance",
      options: [{ type: 3, name: "style", description: "How", required: true, choices: [{ name: "waltz", value: "waltz" }] }],
    });

    // The application lost its commands elsewhere: the name check notices.
    await fetch(`${discord.apiBase}/v10/applications/${discord.applicationId}/guilds/${discord.guild.id}/commands`, {
      method: "PUT",
      headers: { authorization: `Bot ${discord.botToken}`, "content-type": "application/json" },
      body: "[]",
    });
    expect(await deployCommands({ ...base, pluginRoot: withDance })).toMatchObject({
      registered: true,
      reason: "the API holds a different set of commands",
    });
  });

  it("runs as `npm run register-commands` from the environment, and says why it fails", async () => {
    const script = fileURLToPath(new URL("../../../bot/register-commands.ts", import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), "ouro-deploy-cli-"));
    const env = {
      PATH: process.env.PATH,
      TMPDIR: tmpdir(), // the plugin host's scratch lives there (a CI job's own, not the host's /tmp)
      DISCORD_TOKEN: discord.botToken,
      DISCORD_API: discord.apiBase,
      DISCORD_GUILD_ID: discord.guild.id,
      OURO_DATA_DIR: dir,
    };
    try {
      const run = promisify(execFile);
      // The count is this checkout's: the core commands and whatever plugins bot/plugins holds.
      const first = /^registered (\d+) commands/.exec((await run(process.execPath, [script], { env })).stdout);
      const count = Number(first?.[1]);
      expect(count).toBe(discord.driver.commands(discord.guild.id).length);
      expect(count).toBeGreaterThan(coreCommands().length); // ping at least
      expect((await run(process.execPath, [script], { env })).stdout).toMatch(new RegExp(`^${count} commands unchanged; nothing sent`));
      const bad = await run(process.execPath, [script], { env: { PATH: process.env.PATH } }).catch((e) => e);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("DISCORD_TOKEN is required");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
