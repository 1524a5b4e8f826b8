// `npm start` for real: node app/main.ts as a child process, configured only by environment,
// against the GitHub stand-in, with the real agent (no model configured).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGitHub } from "../../local/github/index.ts";
import type { GitHubStandIn, RegisteredApp } from "../../local/github/index.ts";
import { HANDLED_EVENTS } from "../../app/index.ts";
import { actor, policyWith, REPO, TOKEN } from "./harness.ts";

let gh: GitHubStandIn;
let reg: RegisteredApp;
let child: ChildProcess | undefined;
let dir: string;
let url = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ouro-app-main-"));
  const fixture = join(dir, "fixture");
  for (const [p, text] of Object.entries({ "README.md": "# bot\n", "policies/ouro.yml": policyWith({}) })) {
    const full = join(fixture, p);
    mkdirSync(join(full, ".."), { recursive: true });
    writeFileSync(full, text);
  }
  gh = await startGitHub({ logLevel: "silent" });
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture });
  reg = await gh.registerApp({ name: "ouro", events: [...HANDLED_EVENTS] });
  gh.installApp(reg.appId, REPO);
  const host = new URL(gh.url).host;
  child = spawn(process.execPath, ["app/main.ts"], {
    env: {
      PATH: process.env.PATH,
      APP_ID: String(reg.appId),
      PRIVATE_KEY_PATH: reg.privateKeyFile,
      WEBHOOK_SECRET: reg.webhookSecret,
      GHE_HOST: host,
      GHE_PROTOCOL: "http",
      OURO_REPO: REPO,
      OURO_APP_TOKEN: TOKEN,
      OURO_DATA_DIR: join(dir, "data"),
      PORT: "0",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Ouro app listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve(m[1]);
    };
    child!.stdout!.on("data", onData);
    child!.stderr!.on("data", onData);
    child!.once("exit", (code) => reject(new Error(`app exited with ${code}: ${out}`)));
  });
  gh.setWebhook(reg.appId, `${url}/api/github/webhooks`);
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  await gh?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("serves /healthz and the bot API; a request reaches GitHub and the real agent's answer comes back", async () => {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  const res = await fetch(`${url}/bot/v1/changes`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ id: "discord-42", requester: actor("42", "quinn"), text: "make the bot friendlier" }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { changeId: string; trackingIssueUrl: string };
  expect(body.trackingIssueUrl).toMatch(/\/acme\/bot\/issues\/\d+$/);
  // no recipe and no model: the agent refuses cleanly, the change fails with its reason
  let state = "";
  let message = "";
  for (let i = 0; i < 100 && state !== "failed"; i++) {
    const list = (await (await fetch(`${url}/bot/v1/changes`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { changes: { changeId: string; state: string }[] };
    state = list.changes.find((c) => c.changeId === "discord-42")?.state ?? "";
    if (state !== "failed") await new Promise((r) => setTimeout(r, 100));
  }
  expect(state).toBe("failed");
  const issue = Number(body.trackingIssueUrl.split("/").pop());
  for (let i = 0; i < 100 && !message.includes("❌ Failed"); i++) {
    message = ((await gh.driver.comments(REPO, issue)) as { body: string }[]).map((c) => c.body).join("\n");
    if (!message.includes("❌ Failed")) await new Promise((r) => setTimeout(r, 100));
  }
  expect(message).toMatch(/no recipe and no model is configured/);
  expect(await gh.driver.pulls(REPO, "all")).toEqual([]);
});
