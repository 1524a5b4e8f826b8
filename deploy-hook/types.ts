// The deploy hook's contract with its callers (the app, the CLI, tests): the statuses it
// reports and the errors it refuses bad input with.

/** GitHub deployment status states the hook reports (a subset of GitHub's). */
export type DeployState = "in_progress" | "success" | "failure" | "error" | "inactive";

export interface DeployHooks {
  /**
   * The GitHub deployment these hooks report to, if any. Stored with the release a deploy
   * puts live (deploy-state.json), so a hook restarted later still reports that release's
   * crash loop on it (DeployerOptions.deploymentHooks builds the hooks again).
   */
  readonly deploymentId?: number;
  /** Every status change of one deploy/rollback, in order: in_progress → success | failure | error. */
  onStatus?(state: DeployState, description: string, ctx: { sha: string }): void | Promise<void>;
  /**
   * A release was judged bad (failed install or start-up checks, failed health gate, crash
   * loop or error spike in the watch window) → the app opens the revert PR and counts the
   * failure in its breaker. Not called for bad input (unknown commit, busy): nothing to revert.
   */
  onFailed?(sha: string, reason: string): void | Promise<void>;
  /** The watch window (or the supervisor) found the live release bad; the rollback starts now (its outcome: the `failure` status). */
  onDetected?(sha: string, problem: string): void | Promise<void>;
  /** A release went live or the live one was rolled back (for the Discord thread/dashboard). */
  onLive?(sha: string, how: "deploy" | "rollback" | "auto-rollback"): void | Promise<void>;
}

/** Why a deploy was refused or failed; `bad input` kinds change nothing and are not reverted. */
export type DeployErrorKind =
  | "busy"
  | "unknown-commit"
  /** The repository could not be fetched: credentials refused, unreachable, not found. */
  | "fetch"
  | "no-previous"
  | "install"
  | "checks"
  | "start"
  | "health"
  | "settle";

export class DeployError extends Error {
  override name = "DeployError";
  readonly kind: DeployErrorKind;
  constructor(kind: DeployErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
  /** Bad input: the release itself was not judged (status error, no revert). */
  get badInput(): boolean {
    return this.kind === "busy" || this.kind === "unknown-commit" || this.kind === "fetch" || this.kind === "no-previous";
  }
}
