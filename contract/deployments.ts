// What the app and the deploy hook agree on about GitHub Deployments: a deployment whose
// task is ROLLBACK_TASK asks the hook to go back to the previous release (the app creates it
// for /rollback; the hook's answer comes back as an ordinary deployment status).
export const ROLLBACK_TASK = "ouro:rollback";
