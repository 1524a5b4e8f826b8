// deployment_status: the deploy hook reports; success closes the loop, failure reverts.
import type { Probot } from "probot";
import type { AppContext } from "../context.ts";
import { deploymentStatus } from "../lifecycle/deployment.ts";
import { handle } from "./guard.ts";

export function registerDeploymentStatus(app: Probot, ctx: AppContext): void {
  handle(app, ctx, "deployment_status.created", async (context, log) => {
    const { deployment, deployment_status: status } = context.payload;
    const c = ctx.store.changes.byDeployment(deployment.id);
    // The deployment itself too: one made by hand is matched to a merged change by its commit.
    const info = {
      sha: deployment.sha,
      task: deployment.task,
      environment: deployment.environment,
      creator: deployment.creator?.login ?? null,
    };
    await deploymentStatus(ctx, deployment.id, status.state, status.description ?? "", c ? log.child({ changeId: c.id }) : log, info);
  });
}
