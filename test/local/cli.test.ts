// The `npm run local` dispatcher as a user runs it: bad names and start-up failures get one
// clear line and a non-zero exit, never a stack trace.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "../../local/cli.ts");

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let busy: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (busy ? busy.close(() => r()) : r()));
  busy = undefined;
});

async function occupyPort(): Promise<number> {
  busy = createServer();
  await new Promise<void>((r) => busy!.listen(0, "127.0.0.1", () => r()));
  return (busy.address() as { port: number }).port;
}

describe("npm run local", () => {
  it("names the stand-ins and exits 2 for an unknown one", async () => {
    const r = await run(["gitlab"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/github\|discord\|openai/);
  });

  it.each(["discord", "openai", "github"])("%s on a busy port: one clear line, exit 1, no stack", async (name) => {
    const port = await occupyPort();
    const r = await run([name, "--port", String(port)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`local ${name}:`);
    expect(r.stderr).toMatch(new RegExp(`${port}.*already in use`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
