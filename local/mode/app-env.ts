// The environment an `app/main.ts` process gets to run against the GitHub stand-in: the
// stand-in's address and the registered App's credentials, as production passes GitHub
// Enterprise's. One builder, so local mode and the scale bench start the app the same way.
import type { GitHubStandIn, RegisteredApp } from "../github/index.ts";

export interface AppEnvOptions {
  github: Pick<GitHubStandIn, "url">;
  /** The Ouro App as the stand-in registered it (or found it again). */
  app: Pick<RegisteredApp, "appId" | "privateKeyFile" | "webhookSecret">;
  /** "owner/name" of the repository Ouro edits. */
  repo: string;
  /** The bot link's shared token and the key the app's store encrypts with. */
  appToken: string;
  encryptionKey: string;
  dataDir: string;
  /** 0: a free port (the app logs which). */
  port: number;
  botLinkPort: number;
}

export function appProcessEnv(o: AppEnvOptions): Record<string, string> {
  return {
    APP_ID: String(o.app.appId),
    PRIVATE_KEY_PATH: o.app.privateKeyFile,
    WEBHOOK_SECRET: o.app.webhookSecret,
    GHE_HOST: new URL(o.github.url).host,
    GHE_PROTOCOL: "http",
    OURO_REPO: o.repo,
    OURO_APP_TOKEN: o.appToken,
    OURO_ENCRYPTION_KEY: o.encryptionKey,
    OURO_DATA_DIR: o.dataDir,
    PORT: String(o.port),
    OURO_BOT_LINK_PORT: String(o.botLinkPort),
    // The stand-in has no secondary rate limit to keep writes apart for.
    OURO_WRITE_SPACING_MS: "0",
    LOG_LEVEL: "info",
  };
}
