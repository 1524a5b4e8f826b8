// The app process's environment for the GitHub stand-in: one builder for local mode and the
// scale bench. Checked against a real stand-in and a registered App.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGitHub, type GitHubStandIn, type RegisteredApp } from "../../../local/github/index.ts";
import { appProcessEnv } from "../../../local/mode/app-env.ts";

let github: GitHubStandIn;
let app: RegisteredApp;
beforeAll(async () => {
  github = await startGitHub({ logLevel: "warn" });
  app = await github.registerApp({ name: "ouro" });
});
afterAll(() => github.close());

it("points the app at the stand-in with the registered App's credentials", () => {
  const env = appProcessEnv({
    github,
    app,
    repo: "ouro/ouro",
    appToken: "t0k",
    encryptionKey: "k3y",
    dataDir: "/data/app",
    port: 0,
    botLinkPort: 4105,
  });
  expect(env).toMatchObject({
    APP_ID: String(app.appId),
    WEBHOOK_SECRET: app.webhookSecret,
    GHE_HOST: new URL(github.url).host,
    GHE_PROTOCOL: "http",
    OURO_REPO: "ouro/ouro",
    OURO_APP_TOKEN: "t0k",
    OURO_ENCRYPTION_KEY: "k3y",
    OURO_DATA_DIR: "/data/app",
    PORT: "0",
    OURO_BOT_LINK_PORT: "4105",
  });
  expect(readFileSync(env.PRIVATE_KEY_PATH, "utf8").trim()).toBe(app.privateKey.trim());
  expect(Object.values(env).every((v) => typeof v === "string")).toBe(true);
});
