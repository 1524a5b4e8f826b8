// Payload constructors are typed against discord-api-types/v10: these assertions fail `npm run typecheck`
// if a constructor's return type drifts from the published type; the runtime part checks required keys
// of what actually goes on the wire.
import { describe, expect, expectTypeOf, it } from "vitest";
import type {
  APIApplication,
  APIChannel,
  APIGuild,
  APIGuildMember,
  APIRole,
  APIUser,
  GatewayGuildCreateDispatchData,
  GatewayReadyDispatchData,
  RESTGetAPIGatewayBotResult,
  RESTPostAPIInteractionCallbackWithResponseResult,
  APIChatInputApplicationCommandInteraction,
  APIMessageComponentButtonInteraction,
} from "discord-api-types/v10";
import {
  applicationPayload,
  channelPayload,
  gatewayBotPayload,
  guildCreatePayload,
  guildPayload,
  memberPayload,
  readyPayload,
  rolePayload,
  userPayload,
} from "../../../local/discord/payloads.ts";
import { createButtonInteraction, createCommandInteraction } from "../../../local/discord/interactions.ts";
import { handleCallback } from "../../../local/discord/interaction-responses.ts";
import { startDiscord } from "../../../local/discord/index.ts";

describe("payloads match discord-api-types", () => {
  it("constructors return the published types (compile time)", () => {
    expectTypeOf(userPayload).returns.toEqualTypeOf<APIUser>();
    expectTypeOf(rolePayload).returns.toEqualTypeOf<APIRole>();
    expectTypeOf(memberPayload).returns.toEqualTypeOf<APIGuildMember>();
    expectTypeOf(channelPayload).returns.toEqualTypeOf<APIChannel>();
    expectTypeOf(guildPayload).returns.toEqualTypeOf<APIGuild>();
    expectTypeOf(guildCreatePayload).returns.toEqualTypeOf<GatewayGuildCreateDispatchData>();
    expectTypeOf(readyPayload).returns.toEqualTypeOf<GatewayReadyDispatchData>();
    expectTypeOf(applicationPayload).returns.toEqualTypeOf<APIApplication>();
    expectTypeOf(gatewayBotPayload).returns.toEqualTypeOf<RESTGetAPIGatewayBotResult>();
    expectTypeOf(createCommandInteraction).returns.toHaveProperty("payload").toEqualTypeOf<APIChatInputApplicationCommandInteraction>();
    expectTypeOf(createButtonInteraction).returns.toHaveProperty("payload").toEqualTypeOf<APIMessageComponentButtonInteraction>();
    expectTypeOf(handleCallback).returns.toEqualTypeOf<RESTPostAPIInteractionCallbackWithResponseResult | undefined>();
  });

  it("interaction payloads carry the fields discord.js and the docs require", async () => {
    const discord = await startDiscord();
    try {
      const rest = (m: string, p: string, b: unknown) =>
        fetch(`${discord.apiBase}/v10${p}`, {
          method: m,
          headers: { authorization: `Bot ${discord.botToken}`, "content-type": "application/json" },
          body: JSON.stringify(b),
        });
      await rest("PUT", `/applications/${discord.applicationId}/commands`, [{ name: "ping", description: "Ping" }]);
      const { payload } = discord.driver.runCommand({ user: "alice", channel: "general", name: "ping" }) as unknown as {
        payload: Record<string, unknown>;
      };
      const required: (keyof APIChatInputApplicationCommandInteraction)[] = [
        "id",
        "application_id",
        "type",
        "data",
        "token",
        "version",
        "app_permissions",
        "locale",
        "entitlements",
        "authorizing_integration_owners",
        "attachment_size_limit",
      ];
      for (const key of required) expect(payload, key).toHaveProperty(key);
      expect(payload).toMatchObject({
        version: 1,
        type: 2,
        guild_id: discord.guild.id,
        channel_id: discord.guild.channels.general,
        context: 0,
      });
    } finally {
      await discord.close();
    }
  });
});
