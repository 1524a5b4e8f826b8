import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SlashCommandBuilder } from "discord.js";
import { startDiscord, type DiscordStandIn } from "../../../local/discord/index.ts";
import { deployCommands } from "../../../bot/deploy-commands.ts";
import { definePlugin } from "../../../bot/core/plugin.ts";
import ping from "../../../bot/plugins/ping/index.ts";

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

describe("deploy-commands", () => {
  it("registers only when the definitions changed", async () => {
    const base = { token: discord.botToken, api: discord.apiBase, dataDir, guildId: discord.guild.id };
    const first = await deployCommands({ ...base, plugins: [ping] });
    expect(first).toMatchObject({ registered: true, reason: "never registered from here" });
    expect(discord.driver.commands(discord.guild.id).map((c) => c.name).sort()).toEqual(
      ["changes", "export", "feature", "forget", "help", "ouro", "ping", "rollback", "status"],
    );
    expect(await deployCommands({ ...base, plugins: [ping] })).toMatchObject({ registered: false, reason: "unchanged", hash: first.hash });

    const dance = definePlugin({ name: "dance", description: "", commands: [{ data: new SlashCommandBuilder().setName("dance").setDescription("Dance"), execute: async () => {} }] });
    const second = await deployCommands({ ...base, plugins: [ping, dance] });
    expect(second).toMatchObject({ registered: true, reason: "definitions changed" });
    expect(discord.driver.commands(discord.guild.id).map((c) => c.name)).toContain("dance");

    // The application lost its commands elsewhere: the name check notices.
    await fetch(`${discord.apiBase}/v10/applications/${discord.applicationId}/guilds/${discord.guild.id}/commands`, {
      method: "PUT",
      headers: { authorization: `Bot ${discord.botToken}`, "content-type": "application/json" },
      body: "[]",
    });
    expect(await deployCommands({ ...base, plugins: [ping, dance] })).toMatchObject({ registered: true, reason: "the API holds a different set of commands" });
  });
});
