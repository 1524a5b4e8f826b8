// What the tests of a live release's supervision share: deploy hooks that record what they
// are told, and killing the live bot as a crash would.
import { expect } from "vitest";
import type { BotProcess } from "../../deploy-hook/bot-process.ts";
import type { Deployer } from "../../deploy-hook/deployer.ts";
import type { DeployHooks, DeployState } from "../../deploy-hook/types.ts";

/** Hooks that record what they are told: one per deployment, as GitHub would see it. */
export function recorder() {
  const statuses: { state: DeployState; description: string; sha: string }[] = [];
  const failed: { sha: string; reason: string }[] = [];
  const hooks: DeployHooks = {
    onStatus: (state, description, { sha }) => void statuses.push({ state, description, sha }),
    onFailed: (sha, reason) => void failed.push({ sha, reason }),
  };
  return { statuses, failed, hooks };
}

/** Kills the live bot with SIGKILL; resolves with the process serving next (restarted or rolled back to). */
export async function killLive(hook: Deployer): Promise<BotProcess> {
  const dead = hook.live!;
  process.kill(dead.pid, "SIGKILL");
  await expect.poll(() => hook.live !== dead && hook.live!.running, { timeout: 120_000, interval: 100 }).toBe(true);
  return hook.live!;
}
