// `npm run demo` with nothing to talk to: the failing step says what it waited for, in plain
// words, and the result is a failure (exit 1 from the CLI) — never a crash or a false success.
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runDemo } from "../../../local/mode/demo.ts";

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

it("a demo with no local mode behind it fails its first step and says why", async () => {
  const url = `http://127.0.0.1:${await closedPort()}`;
  const lines: string[] = [];
  const result = await runDemo({
    endpoints: {
      page: url,
      github: { url, apiUrl: `${url}/api/v3` },
      discord: { url, driverUrl: `${url}/_driver` },
      app: { url, botLinkUrl: url },
      repo: "ouro/ouro",
      people: { maintainer: "maya", member: "max", newcomer: "nia" },
    },
    appToken: "x".repeat(32),
    stepTimeoutMs: 5_000,
    print: (l) => lines.push(l),
  });
  expect(result.ok).toBe(false);
  expect(result.steps).toEqual([]);
  expect(result.failure).toMatch(/cannot reach the GitHub stand-in at .*is local mode running\?/);
  expect(lines.join("\n")).toMatch(/✗ step 1 failed: cannot reach/);
});

it("npm run demo with a bad --port says so and starts nothing", () => {
  const r = spawnSync(
    process.execPath,
    [join(import.meta.dirname, "../../../local/mode/demo.ts"), "--port", "x", "--data", "/nonexistent-ouro"],
    {
      encoding: "utf8",
    },
  );
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--port must be a port number from 1024 to 65529 .*got x/);
  expect(r.stdout).not.toMatch(/starting one/);
});
