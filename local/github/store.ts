// The stand-in's state: one JSON document in the data directory, written atomically
// (temp file + rename) after every change, so a restart picks up exactly where it left off.
// Git objects live in the bare repositories beside it; delivery payloads in their own files.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Account {
  id: number;
  login: string;
  type: "User" | "Organization" | "Bot";
  name?: string;
  email?: string;
  siteAdmin?: boolean;
  createdAt: string;
}

export interface TokenRec {
  token: string;
  kind: "installation" | "user";
  login?: string;
  installationId?: number;
  /** A user access token (`ghu_…`) made by this App's OAuth web flow; absent for personal tokens. */
  appId?: number;
  /** An installation token narrowed at creation (`permissions` body); absent = the App's own. */
  permissions?: Record<string, string>;
  expiresAt?: string;
  createdAt: string;
}

export interface AppRec {
  id: number;
  slug: string;
  name: string;
  clientId: string;
  ownerLogin: string;
  publicKeyPem: string;
  webhookUrl: string | null;
  webhookSecret: string;
  /** Events the app subscribes to; empty = every event. */
  events: string[];
  permissions: Record<string, string>;
  /** Where the OAuth web flow may send users back (the manifest's `callback_urls`; the first is the default). */
  callbackUrls?: string[];
  /** SHA-256 (hex) of the App's OAuth client secret; the secret itself is handed out once. */
  clientSecretHash?: string;
  createdAt: string;
}

export interface InstallationRec {
  id: number;
  appId: number;
  accountLogin: string;
  /** repository keys ("owner/name", lower case); selection "all" covers every repo of the account */
  repos: string[];
  selection: "all" | "selected";
  createdAt: string;
}

export interface RepoRec {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  description: string | null;
  private: boolean;
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
  nextNumber: number;
}

export interface PullInfo {
  headRef: string;
  headSha: string;
  baseRef: string;
  /** base sha recorded when closed/merged (the branch may move on afterwards) */
  baseSha: string;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  maintainerCanModify: boolean;
}

export interface IssueRec {
  id: number;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: string | null;
  user: string;
  labels: string[];
  assignees: string[];
  locked: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: string | null;
  pull?: PullInfo & { requestedReviewers?: string[] };
}

export interface CommentRec {
  id: number;
  repo: string;
  number: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface LabelRec {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface ReviewRec {
  id: number;
  repo: string;
  number: number;
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "PENDING" | "DISMISSED";
  body: string;
  commitId: string;
  submittedAt: string;
  /** Line comments given with the review (`comments` in the create call). */
  comments?: ReviewCommentRec[];
}

export interface ReviewCommentRec {
  id: number;
  path: string;
  line: number;
  side: "LEFT" | "RIGHT";
  body: string;
}

export interface CheckRunRec {
  id: number;
  repo: string;
  suiteId: number;
  appId: number | null;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotations_count: number };
  annotations: unknown[];
  /** Buttons the App offered (`actions`); a click sends it `check_run.requested_action`. */
  actions?: { label: string; description: string; identifier: string }[];
}

export interface CheckSuiteRec {
  id: number;
  repo: string;
  appId: number | null;
  headSha: string;
  headBranch: string | null;
  /** the head commit in the "simple commit" form check suites carry */
  headCommit?: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface StatusRec {
  id: number;
  repo: string;
  sha: string;
  state: "error" | "failure" | "pending" | "success";
  targetUrl: string | null;
  description: string | null;
  context: string;
  creator: string;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentRec {
  id: number;
  repo: string;
  sha: string;
  ref: string;
  task: string;
  payload: unknown;
  environment: string;
  description: string | null;
  creator: string;
  transient: boolean;
  production: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentStatusRec {
  id: number;
  repo: string;
  deploymentId: number;
  state: string;
  description: string;
  environmentUrl: string;
  logUrl: string;
  environment: string;
  creator: string;
  createdAt: string;
}

export interface DeliveryRec {
  id: number;
  guid: string;
  event: string;
  action: string | null;
  appId: number;
  installationId: number | null;
  repo: string | null;
  url: string;
  deliveredAt: string | null;
  status: "pending" | "OK" | "failed";
  statusCode: number;
  attempts: number;
  redelivery: boolean;
  durationMs: number;
  lastError: string | null;
  createdAt: string;
}

export interface StateData {
  version: 1;
  nextId: number;
  accounts: Record<string, Account>;
  tokens: Record<string, TokenRec>;
  apps: Record<string, AppRec>;
  installations: Record<string, InstallationRec>;
  repos: Record<string, RepoRec>;
  issues: Record<string, IssueRec>;
  comments: Record<string, CommentRec>;
  labels: Record<string, LabelRec[]>;
  reviews: Record<string, ReviewRec>;
  checkRuns: Record<string, CheckRunRec>;
  checkSuites: Record<string, CheckSuiteRec>;
  statuses: Record<string, StatusRec>;
  deployments: Record<string, DeploymentRec>;
  deploymentStatuses: Record<string, DeploymentStatusRec>;
  deliveries: Record<string, DeliveryRec>;
  /** repo key → lower-case login → permission; anyone unlisted has "write" (owner "admin") */
  permissions: Record<string, Record<string, Permission>>;
}

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

function empty(): StateData {
  return {
    version: 1,
    nextId: 1000,
    accounts: {},
    tokens: {},
    apps: {},
    installations: {},
    repos: {},
    issues: {},
    comments: {},
    labels: {},
    reviews: {},
    checkRuns: {},
    checkSuites: {},
    statuses: {},
    deployments: {},
    deploymentStatuses: {},
    deliveries: {},
    permissions: {},
  };
}

/** Reads a state file; a damaged one is a clear error naming the file, never a half-loaded state. */
function load(file: string): StateData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(
      `GitHub stand-in: state file ${file} is not valid JSON (${e instanceof Error ? e.message : String(e)}); move it away to start fresh`,
      { cause: e },
    );
  }
  const d = parsed as Partial<StateData> | null;
  if (!d || typeof d !== "object" || d.version !== 1 || typeof d.nextId !== "number") {
    throw new Error(
      `GitHub stand-in: state file ${file} is not a version 1 state (expected {"version":1,"nextId":…}); move it away to start fresh`,
    );
  }
  const out = { ...empty(), ...d } as StateData;
  for (const [k, v] of Object.entries(out)) {
    if (k !== "version" && k !== "nextId" && (!v || typeof v !== "object"))
      throw new Error(`GitHub stand-in: state file ${file}: "${k}" is not an object`);
  }
  return out;
}

export class Store {
  readonly dataDir: string;
  readonly file: string;
  data: StateData;
  private dirty = false;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
    mkdirSync(join(dataDir, "repos"), { recursive: true });
    mkdirSync(join(dataDir, "deliveries"), { recursive: true });
    mkdirSync(join(dataDir, "apps"), { recursive: true });
    this.file = join(dataDir, "state.json");
    this.data = existsSync(this.file) ? load(this.file) : empty();
  }

  id(): number {
    this.dirty = true;
    return ++this.data.nextId;
  }

  touch(): void {
    this.dirty = true;
  }

  /** Writes the state if anything changed since the last save. */
  save(): void {
    if (!this.dirty) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.file);
    this.dirty = false;
  }

  repoDir(key: string): string {
    return join(this.dataDir, "repos", `${key}.git`);
  }

  deliveryFile(id: number): string {
    return join(this.dataDir, "deliveries", `${id}.json`);
  }

  issueKey(repo: string, number: number): string {
    return `${repo}#${number}`;
  }
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}
