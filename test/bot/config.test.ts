import { describe, expect, it } from "vitest";
import { configFromEnv } from "../../bot/config.ts";

const good = {
  DISCORD_TOKEN: "token",
  OURO_APP_URL: "http://127.0.0.1:9000",
  OURO_APP_TOKEN: "0123456789abcdef0123",
  OURO_ENCRYPTION_KEY: "a".repeat(64),
};

describe("bot config from the environment", () => {
  it("applies defaults; no OPENAI_API_KEY means no model", () => {
    const c = configFromEnv(good);
    expect(c).toMatchObject({ dataDir: "./data/bot", health: { port: 8081, host: "127.0.0.1" }, pluginTimeoutMs: 2500, model: undefined });
    expect(c.encryptionKey).toHaveLength(32);
    const m = configFromEnv({ ...good, OPENAI_API_KEY: "sk-x", OPENAI_BASE_URL: "http://127.0.0.1:1/v1", OURO_HEALTH_PORT: "0" });
    expect(m.model).toEqual({ apiKey: "sk-x", baseURL: "http://127.0.0.1:1/v1", name: "gpt-4o-mini" });
    expect(m.health.port).toBe(0);
    expect(m.handover).toBeUndefined();
    expect(configFromEnv({ ...good, OURO_RELEASE: "abc123", OURO_HANDOVER_FILE: "/srv/ouro/handover.json" }).handover).toEqual({
      release: "abc123",
      file: "/srv/ouro/handover.json",
    });
  });

  it("names every bad variable at once", () => {
    expect(() => configFromEnv({ ...good, DISCORD_TOKEN: "", OURO_ENCRYPTION_KEY: "short", OURO_APP_URL: "nope" })).toThrow(
      /DISCORD_TOKEN[\s\S]*OURO_APP_URL[\s\S]*OURO_ENCRYPTION_KEY/,
    );
    expect(() => configFromEnv({ ...good, OURO_ENCRYPTION_KEY: Buffer.alloc(32).toString("base64") })).not.toThrow();
    expect(() => configFromEnv({})).toThrow(
      /DISCORD_TOKEN is required[\s\S]*OURO_APP_URL must be[\s\S]*OURO_APP_TOKEN is required[\s\S]*OURO_ENCRYPTION_KEY is required/,
    );
  });
});
