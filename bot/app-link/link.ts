// What the bot needs from the Ouro app. The HTTP client (http-client.ts) is the real
// implementation; anything else speaking contract/app-link.ts over HTTP works with it.
import type {
  Actor,
  AppStatus,
  ChangeRequest,
  ChangeSummary,
  ForgetResult,
  LinkRemoved,
  LinkStarted,
  ProgressEvent,
  RollbackResult,
  RuntimeErrorReport,
  SubmitResult,
  VoteResult,
  VoteValue,
} from "../../contract/app-link.ts";

export interface OuroAppLink {
  submitRequest(request: ChangeRequest): Promise<SubmitResult>;
  status(): Promise<AppStatus>;
  changes(limit?: number): Promise<ChangeSummary[]>;
  rollback(changeId: string, by: Actor): Promise<RollbackResult>;
  vote(changeId: string, voter: Actor, vote: VoteValue): Promise<VoteResult>;
  stop(by: Actor): Promise<{ stopped: boolean }>;
  resume(by: Actor): Promise<{ stopped: boolean }>;
  reportError(report: RuntimeErrorReport): Promise<void>;
  /** /forget: erases what the app keeps about this Discord user (their changes' texts and ids; the audit skeleton stays). */
  forget(by: Actor): Promise<ForgetResult>;
  /** Asks for a one-time code that links `login` to this Discord user once posted from it. */
  linkGithub(user: Actor, login: string): Promise<LinkStarted>;
  /** Removes this Discord user's link to a GitHub login. */
  unlinkGithub(user: Actor): Promise<LinkRemoved>;
  /** Whether the progress stream is connected right now (undefined: not known). */
  streaming?(): boolean;
  /**
   * Progress of every change, with its place in the app's stream (a sequence number, when the
   * link has one: the newer of two events of a change has the higher); returns an unsubscribe function.
   */
  subscribe(listener: (event: ProgressEvent, seq?: number) => void): () => void;
  close(): Promise<void>;
}

/** A failure the user should read: the app's own message, or why it could not be reached. */
export class AppLinkError extends Error {
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(message);
    this.name = "AppLinkError";
    this.status = status;
  }
}
