// Configuration from the environment: validated once, clear errors, nothing started on bad input.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, credentialsIn, loadConfig } from "../../app/config.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "ouro-app-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const base = {
  APP_ID: "12",
  WEBHOOK_SECRET: "s3cret-s3cret",
  OURO_REPO: "acme/bot",
  OURO_APP_TOKEN: "t".repeat(20),
  OURO_ENCRYPTION_KEY: "0f".repeat(32),
};

describe("loadConfig", () => {
  it("reads the key from PRIVATE_KEY_PATH and builds GHE URLs for local mode", () => {
    const keyFile = join(dir, "key.pem");
    writeFileSync(keyFile, pem);
    const c = loadConfig({ ...base, PRIVATE_KEY_PATH: keyFile, GHE_HOST: "127.0.0.1:3030", GHE_PROTOCOL: "http", PORT: "0" });
    expect(c).toMatchObject({
      appId: 12,
      apiUrl: "http://127.0.0.1:3030/api/v3",
      gitUrl: "http://127.0.0.1:3030",
      owner: "acme",
      repo: "bot",
      port: 0,
      webhookPath: "/api/github/webhooks",
      dataDir: "data/app",
    });
    expect(c.privateKey).toBe(pem);
    expect(c.botLink).toEqual({ host: "127.0.0.1", port: 3001 }); // the bot link: loopback, its own port
  });
  it("the bot link has its own address, never the public port", () => {
    const keyFile = join(dir, "key2.pem");
    writeFileSync(keyFile, pem);
    const ok = { ...base, PRIVATE_KEY_PATH: keyFile };
    expect(loadConfig({ ...ok, OURO_BOT_LINK_HOST: "10.0.0.5", OURO_BOT_LINK_PORT: "4100", PORT: "8080" })).toMatchObject({
      port: 8080,
      botLink: { host: "10.0.0.5", port: 4100 },
    });
    expect(loadConfig({ ...ok, OURO_BOT_LINK_HOST: "::1", OURO_BOT_LINK_PORT: "0", PORT: "0" }).botLink).toEqual({ host: "::1", port: 0 });
    expect(() => loadConfig({ ...ok, PORT: "3000", OURO_BOT_LINK_PORT: "3000" })).toThrow(
      /OURO_BOT_LINK_PORT: the bot link must not share the public port \(PORT=3000\)/,
    );
    expect(() => loadConfig({ ...ok, OURO_BOT_LINK_PORT: "70000" })).toThrow(/OURO_BOT_LINK_PORT must be a port number/);
    expect(() => loadConfig({ ...ok, OURO_BOT_LINK_PORT: "link" })).toThrow(/OURO_BOT_LINK_PORT must be a port number/);
    expect(() => loadConfig({ ...ok, OURO_BOT_LINK_HOST: "http://127.0.0.1:3001" })).toThrow(
      /OURO_BOT_LINK_HOST must be a host name or IP address \(no scheme or port\)/,
    );
    expect(() => loadConfig({ ...ok, OURO_BOT_LINK_HOST: "" })).toThrow(/OURO_BOT_LINK_HOST/);
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

describe("credentials in the environment", () => {
  it("none, partial or complete; an empty value counts as unset", () => {
    expect(credentialsIn({})).toBe("none");
    expect(credentialsIn({ PATH: "/bin", OURO_REPO: "acme/bot", APP_ID: "" })).toBe("none");
    expect(credentialsIn({ APP_ID: "12" })).toBe("partial");
    expect(credentialsIn({ PRIVATE_KEY_PATH: "/k.pem" })).toBe("partial");
    expect(credentialsIn({ APP_ID: "12", PRIVATE_KEY: pem, WEBHOOK_SECRET: "" })).toBe("partial");
    expect(credentialsIn({ APP_ID: "12", PRIVATE_KEY: pem, WEBHOOK_SECRET: "s3cret-s3cret" })).toBe("complete");
    expect(credentialsIn({ APP_ID: "12", PRIVATE_KEY_PATH: "/k.pem", WEBHOOK_SECRET: "s3cret-s3cret" })).toBe("complete");
  });

  const message = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error("loadConfig accepted it");
  };
  const rest = { OURO_REPO: "acme/bot", OURO_APP_TOKEN: "t".repeat(20), OURO_ENCRYPTION_KEY: "0f".repeat(32) };

  it("a half-configured App says what is set and what is missing, in one line", () => {
    expect(message({ ...rest, APP_ID: "12" })).toBe(
      "invalid configuration: APP_ID is set but PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET are not",
    );
    expect(message({ ...rest, APP_ID: "12", PRIVATE_KEY: pem })).toBe(
      "invalid configuration: APP_ID and PRIVATE_KEY are set but WEBHOOK_SECRET is not",
    );
    expect(message({ ...rest, WEBHOOK_SECRET: "s3cret-s3cret", PRIVATE_KEY_PATH: "/k.pem" })).toBe(
      "invalid configuration: PRIVATE_KEY_PATH and WEBHOOK_SECRET are set but APP_ID is not",
    );
    expect(message({})).toMatch(
      /^invalid configuration: no GitHub App is configured: set APP_ID, PRIVATE_KEY \(or PRIVATE_KEY_PATH\) and WEBHOOK_SECRET/,
    );
  });

  it("bad values are plain words, never the schema library's", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...base, PRIVATE_KEY: pem, WEBHOOK_SECRET: "short" }, /^invalid configuration: WEBHOOK_SECRET must be at least 8 characters$/],
      [{ ...base, PRIVATE_KEY: pem, APP_ID: "twelve" }, /^invalid configuration: APP_ID must be the GitHub App's numeric id/],
      [{ ...base, PRIVATE_KEY: pem, APP_ID: "-3" }, /APP_ID must be the GitHub App's numeric id/],
      [{ ...base, PRIVATE_KEY: pem, PORT: "http" }, /^invalid configuration: PORT must be a port number \(0–65535\)$/],
      [{ ...base, PRIVATE_KEY: pem, GHE_PROTOCOL: "ftp" }, /GHE_PROTOCOL must be "http" or "https"/],
      [{ ...base, PRIVATE_KEY: pem, LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of trace, debug/],
      [{ ...base, PRIVATE_KEY: pem, OURO_WRITE_SPACING_MS: "soon" }, /OURO_WRITE_SPACING_MS must be a whole number/],
      [{ ...base, PRIVATE_KEY: pem, OURO_SANDBOX: "off" }, /OURO_SANDBOX takes only unsafe-none/],
      [
        { APP_ID: "12", PRIVATE_KEY: pem, WEBHOOK_SECRET: "s3cret-s3cret" },
        /^invalid configuration: OURO_REPO is not set; OURO_APP_TOKEN is not set; OURO_ENCRYPTION_KEY is not set$/,
      ],
      [{ ...base, PRIVATE_KEY: pem, OURO_ENCRYPTION_KEY: "0f".repeat(16) }, /^invalid configuration: OURO_ENCRYPTION_KEY must be 32 bytes/],
      [{ ...base, PRIVATE_KEY: pem, OURO_RETENTION_DAYS: "forever" }, /OURO_RETENTION_DAYS must be a whole number of days/],
    ];
    for (const [env, expected] of cases) {
      const m = message(env);
      expect(m).toMatch(expected);
      expect(m).not.toMatch(/Invalid input|expected \w+, received|NaN|Too small|Too big/);
      expect(m).not.toContain("\n");
    }
  });
});

describe("npm start (app/main.ts)", () => {
  it("refuses to start on a bad environment with exit code 2 and the reason", async () => {
    const err = await run(process.execPath, ["app/main.ts"], { env: { PATH: process.env.PATH, APP_ID: "x" } }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(/invalid configuration: APP_ID/);
  });
  it("a half-configured environment stops with exit code 2 and one plain line", async () => {
    const err = await run(process.execPath, ["app/main.ts"], {
      env: {
        PATH: process.env.PATH,
        APP_ID: "12",
        OURO_REPO: "acme/bot",
        OURO_APP_TOKEN: "t".repeat(20),
        OURO_ENCRYPTION_KEY: "0f".repeat(32),
      },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr.trim()).toBe(
      "invalid configuration: APP_ID is set but PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET are not",
    );
  });
  it("a bot link address already in use is a clear error (exit 2), naming the variables to change", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as AddressInfo).port;
    const keyFile = join(dir, "key3.pem");
    writeFileSync(keyFile, pem);
    const env = {
      PATH: process.env.PATH,
      ...base,
      PRIVATE_KEY_PATH: keyFile,
      OURO_DATA_DIR: join(dir, "data"),
      PORT: "0",
      OURO_BOT_LINK_PORT: String(port),
      LOG_LEVEL: "silent" as const,
    };
    const err = await run(process.execPath, ["app/main.ts"], { env }).catch((e: { code: number; stderr: string }) => e);
    taken.close();
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(already in use\\); check OURO_BOT_LINK_HOST/OURO_BOT_LINK_PORT`),
    );
  });
});
