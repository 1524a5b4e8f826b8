// DATABASE_URL in the app's configuration: a PostgreSQL address puts the store there; anything
// else stops the start with what it must be, in plain words; empty means unset (SQLite).
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../app/config.ts";

const ENV = {
  APP_ID: "12",
  PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nnot checked here\n-----END RSA PRIVATE KEY-----",
  WEBHOOK_SECRET: "s3cret-s3cret",
  OURO_REPO: "acme/bot",
  OURO_APP_TOKEN: "t".repeat(20),
  OURO_ENCRYPTION_KEY: "02".repeat(32),
};

describe("DATABASE_URL", () => {
  it("postgres:// and postgresql:// put the store on PostgreSQL; unset or empty keeps SQLite", () => {
    for (const url of ["postgres://ouro:pw@db.internal:5432/ouro", "postgresql://ouro@10.0.0.5/ouro?sslmode=require"])
      expect(loadConfig({ ...ENV, DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(loadConfig(ENV).databaseUrl).toBeUndefined();
    expect(loadConfig({ ...ENV, DATABASE_URL: "" }).databaseUrl).toBeUndefined();
  });

  it("another address is refused in plain words", () => {
    for (const url of ["mysql://ouro@db/ouro", "/var/lib/ouro.sqlite", "postgres://"]) {
      expect(() => loadConfig({ ...ENV, DATABASE_URL: url })).toThrow(ConfigError);
      expect(() => loadConfig({ ...ENV, DATABASE_URL: url })).toThrow(
        "invalid configuration: DATABASE_URL must be a PostgreSQL address, postgres://user:password@host:5432/database (or postgresql://…); leave it unset for SQLite in OURO_DATA_DIR",
      );
    }
  });
});
