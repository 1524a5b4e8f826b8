// Configuration from the environment: validated once, clear errors, nothing started on bad input.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateKeyPairSync } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../app/config.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "ouro-app-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const base = { APP_ID: "12", WEBHOOK_SECRET: "s3cret-s3cret", OURO_REPO: "acme/bot", OURO_APP_TOKEN: "t".repeat(20) };

describe("loadConfig", () => {
  it("reads the key from PRIVATE_KEY_PATH and builds GHE URLs for local mode", () => {
    const keyFile = join(dir, "key.pem");
    writeFileSync(keyFile, pem);
    const c = loadConfig({ ...base, PRIVATE_KEY_PATH: keyFile, GHE_HOST: "127.0.0.1:3030", GHE_PROTOCOL: "http", PORT: "0" });
    expect(c).toMatchObject({ appId: 12, apiUrl: "http://127.0.0.1:3030/api/v3", gitUrl: "http://127.0.0.1:3030", owner: "acme", repo: "bot", port: 0, webhookPath: "/api/github/webhooks", dataDir: "data/app" });
    expect(c.privateKey).toBe(pem);
  });
  it("defaults to github.com; PRIVATE_KEY may carry escaped newlines", () => {
    const c = loadConfig({ ...base, PRIVATE_KEY: pem.replace(/\n/g, "\\n") });
    expect(c.apiUrl).toBe("https://api.github.com");
    expect(c.privateKey).toBe(pem);
  });
  it("names every bad or missing value", () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    try {
      loadConfig({ APP_ID: "x", WEBHOOK_SECRET: "short", OURO_REPO: "nope", OURO_APP_TOKEN: "short" });
    } catch (e) {
      expect((e as Error).message).toMatch(/APP_ID.*WEBHOOK_SECRET.*OURO_REPO must be owner\/name.*OURO_APP_TOKEN/s);
    }
    expect(() => loadConfig({ ...base, PRIVATE_KEY: "not a key" })).toThrow(/PEM private key/);
    expect(() => loadConfig({ ...base, PRIVATE_KEY_PATH: join(dir, "missing.pem") })).toThrow(/cannot read/);
  });
});

describe("npm start (app/main.ts)", () => {
  it("refuses to start on a bad environment with exit code 2 and the reason", async () => {
    const err = await run(process.execPath, ["app/main.ts"], { env: { PATH: process.env.PATH, APP_ID: "x" } }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(/invalid configuration: APP_ID/);
  });
});
