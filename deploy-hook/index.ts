// The deploy hook: see deployer.ts (releases, gate, switch, watch, rollback), github.ts
// (GitHub Deployments in, deployment statuses out), handover.ts (handover.json, which the
// bot reads through bot/core/handover-gate.ts) and cli.ts (by hand).
export { Deployer, botEnvironment } from "./deployer.ts";
export type { DeployerOptions, DeployResult, HookStatus } from "./deployer.ts";
export { GitHubDeployments, ROLLBACK_TASK } from "./github-deployments.ts";
export type { DeploymentRef, GitHubDeploymentsOptions } from "./github-deployments.ts";
export { DeployError } from "./types.ts";
export type { DeployHooks, DeployState, DeployErrorKind } from "./types.ts";
export { readHandover, writeHandover, handoverFile } from "./handover-file.ts";
