// deployment_status: the deploy hook reports; success closes the loop, failure reverts.
import type { Probot } from "probot";
import type { Engine } from "../engine.ts";
import { deploymentStatus } from "../lifecycle/deployment.ts";
import { handle } from "./guard.ts";

export function registerDeploymentStatus(app: Probot, eng: Engine): void {
  handle(app, eng, "deployment_status.created", async (context, log) => {
    const { deployment, deployment_status: status } = context.payload;
    const c = eng.store.changeByDeployment(deployment.id);
    await deploymentStatus(eng, deployment.id, status.state, status.description ?? "", c ? log.child({ changeId: c.id }) : log);
  });
}
