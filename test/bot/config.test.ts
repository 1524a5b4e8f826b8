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
    expect(m.model).toEqual({ apiKey: "sk-x", baseURL: "http://127.0.0.1:1/v1", name: "gpt-4o-mini", fallbacks: [] });
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

  it("fallback model: OURO_FALLBACK_MODELS is a comma-separated list of model names", () => {
    const withKey = { ...good, OPENAI_API_KEY: "sk-x" };
    expect(configFromEnv({ ...withKey, OURO_FALLBACK_MODELS: " gpt-4.1-nano , org/model:tag" }).model?.fallbacks).toEqual([
      "gpt-4.1-nano",
      "org/model:tag",
    ]);
    expect(configFromEnv({ ...withKey, OURO_FALLBACK_MODELS: "" }).model?.fallbacks).toEqual([]);
    expect(() => configFromEnv({ ...withKey, OURO_FALLBACK_MODELS: "gpt-4o-mini,,gpt-4.1-nano" })).toThrow(
      "invalid bot configuration: OURO_FALLBACK_MODELS must be model names separated by commas, e.g. gpt-4o-mini,gpt-4.1-nano: item 2 is empty",
    );
    expect(() => configFromEnv({ ...withKey, OURO_FALLBACK_MODELS: "gpt-4o-mini,gpt 4 turbo" })).toThrow(
      'OURO_FALLBACK_MODELS must be model names separated by commas, e.g. gpt-4o-mini,gpt-4.1-nano: item 2 ("gpt 4 turbo") is not a model name',
    );
  });

  it("DATABASE_URL: the memory on PostgreSQL; blank is unset; anything else is named", () => {
    expect(configFromEnv(good).databaseUrl).toBeUndefined();
    expect(configFromEnv({ ...good, DATABASE_URL: "" }).databaseUrl).toBeUndefined();
    expect(configFromEnv({ ...good, DATABASE_URL: "postgres://ouro:pw@db:5432/ouro" }).databaseUrl).toBe("postgres://ouro:pw@db:5432/ouro");
    expect(() => configFromEnv({ ...good, DATABASE_URL: "mysql://db/ouro" })).toThrow(
      "invalid bot configuration: DATABASE_URL must be a PostgreSQL address, postgres://user:password@host:5432/database (or postgresql://…); leave it unset for SQLite in OURO_DATA_DIR",
    );
  });
});
