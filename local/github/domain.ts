// The stand-in's domain: accounts, repositories, apps and installations, pull request
// state computed from git, and the webhooks each change emits.
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { newToken } from "./auth.ts";
import { BareRepo, EMPTY_TREE, ZERO_SHA } from "./git.ts";
import type { Logger } from "./log.ts";
import { HttpError, notFound } from "./router.ts";
import type { Auth } from "./router.ts";
import { Shapes, key } from "./shapes.ts";
import { Store, now } from "./store.ts";
import type { Account, AppRec, CheckSuiteRec, InstallationRec, IssueRec, Permission, RepoRec } from "./store.ts";
import { Deliveries } from "./webhooks.ts";
import type { DeliveryOptions } from "./webhooks.ts";

export interface RefChange {
  ref: string;
  before: string;
  after: string;
}

export interface PullLive {
  headSha: string;
  baseSha: string;
  mergeable: boolean | null;
  mergeableState: string;
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
}

const NAME_RE = /^[A-Za-z0-9_.-]{1,100}$/;
const LOGIN_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

export class Core {
  readonly store: Store;
  readonly shapes: Shapes;
  readonly log: Logger;
  readonly deliveries: Deliveries;
  readonly web: string;
  private locks = new Map<string, Promise<unknown>>();
  private repos = new Map<string, BareRepo>();
  private mergeCache = new Map<string, { tree: string | null }>();
  private closedLive = new Map<string, PullLive>();
  private statsCache = new Map<string, { commits: number; additions: number; deletions: number; changedFiles: number }>();

  constructor(store: Store, web: string, log: Logger, deliveryOpts: DeliveryOptions = {}) {
    this.store = store;
    this.web = web;
    this.log = log;
    this.shapes = new Shapes(web, store);
    this.deliveries = new Deliveries(store, log, new URL(web).host, deliveryOpts);
  }

  // ---------- accounts ----------

  ensureAccount(login: string, type: Account["type"] = "User"): Account {
    if (!LOGIN_RE.test(login)) throw new HttpError(422, `Invalid login: ${JSON.stringify(login)}`);
    const k = login.toLowerCase();
    let a = this.store.data.accounts[k];
    if (!a) {
      const id = this.store.id();
      a = { id, login, type, createdAt: now(), name: login, email: `${id}+${login}@users.noreply.localhost` };
      this.store.data.accounts[k] = a;
    }
    return a;
  }

  userToken(login: string): string {
    this.ensureAccount(login);
    const existing = Object.values(this.store.data.tokens).find((t) => t.kind === "user" && t.login?.toLowerCase() === login.toLowerCase());
    if (existing) return existing.token;
    const token = newToken("ghp");
    this.store.data.tokens[token] = { token, kind: "user", login: this.store.data.accounts[login.toLowerCase()].login, createdAt: now() };
    this.store.touch();
    this.store.save();
    return token;
  }

  identity(login: string): { name: string; email: string } {
    const a = this.ensureAccount(login, login.endsWith("[bot]") ? "Bot" : "User");
    return { name: a.login, email: a.email as string };
  }

  // ---------- repositories ----------

  bare(repoKey: string): BareRepo {
    let r = this.repos.get(repoKey);
    if (!r) {
      r = new BareRepo(this.store.repoDir(repoKey));
      this.repos.set(repoKey, r);
    }
    return r;
  }

  async createRepo(opts: {
    owner: string;
    name: string;
    fromDir?: string;
    defaultBranch?: string;
    private?: boolean;
    description?: string;
    ownerType?: "User" | "Organization";
  }): Promise<RepoRec> {
    if (!NAME_RE.test(opts.name) || opts.name.endsWith(".git"))
      throw new HttpError(422, `Invalid repository name: ${JSON.stringify(opts.name)}`);
    const owner = this.ensureAccount(opts.owner, opts.ownerType ?? "User");
    const k = key({ owner: owner.login, name: opts.name });
    if (this.store.data.repos[k])
      throw new HttpError(422, "Repository creation failed.", {
        errors: [{ resource: "Repository", code: "custom", field: "name", message: "name already exists on this account" }],
      });
    if (opts.fromDir && !existsSync(opts.fromDir)) throw new HttpError(422, `No such directory: ${opts.fromDir}`);
    const defaultBranch = opts.defaultBranch ?? "main";
    const dir = this.store.repoDir(k);
    mkdirSync(dirname(dir), { recursive: true });
    const git = await BareRepo.init(dir, defaultBranch);
    this.repos.set(k, git);
    const t = now();
    const rec: RepoRec = {
      id: this.store.id(),
      owner: owner.login,
      name: opts.name,
      defaultBranch,
      description: opts.description ?? null,
      private: opts.private ?? true,
      createdAt: t,
      updatedAt: t,
      pushedAt: t,
      nextNumber: 1,
    };
    if (opts.fromDir) {
      const tree = await git.treeFromDir(opts.fromDir);
      const who = this.identity(owner.login);
      const sha = await git.commitTree(tree, [], "Initial commit\n", who);
      await git.updateRef(`refs/heads/${defaultBranch}`, sha, null);
    }
    this.store.data.repos[k] = rec;
    this.store.save();
    return rec;
  }

  /** The repository named in a request, if the credentials may see it (404 otherwise, as GitHub). */
  repoFor(auth: Auth, owner: string, name: string): { rec: RepoRec; key: string; git: BareRepo } {
    const k = `${owner}/${name}`.toLowerCase();
    const rec = this.store.data.repos[k];
    if (!rec || !this.canAccess(auth, k)) throw notFound();
    return { rec, key: k, git: this.bare(k) };
  }

  canAccess(auth: Auth, repoKey: string): boolean {
    if (auth.kind === "user") return this.permission(repoKey, auth.login) !== "none";
    if (auth.kind === "app") return false;
    return this.installationCovers(auth.installation, repoKey);
  }

  installationCovers(inst: InstallationRec, repoKey: string): boolean {
    if (inst.selection === "all") return repoKey.startsWith(`${inst.accountLogin.toLowerCase()}/`);
    return inst.repos.includes(repoKey);
  }

  /** Serializes writes to one repository (ref updates, merges, pushes). */
  async withRepoLock<T>(repoKey: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(repoKey) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(repoKey, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(repoKey) === tail) this.locks.delete(repoKey);
    }
  }

  /** A user's permission on a repository (owner: admin; unlisted humans: write). */
  permission(repoKey: string, login: string): Permission {
    const rec = this.store.data.repos[repoKey];
    if (rec && rec.owner.toLowerCase() === login.toLowerCase()) return "admin";
    return this.store.data.permissions[repoKey]?.[login.toLowerCase()] ?? (login.endsWith("[bot]") ? "none" : "write");
  }

  setPermission(repoKey: string, login: string, permission: Permission): void {
    if (!this.store.data.repos[repoKey]) throw notFound();
    this.ensureAccount(login);
    (this.store.data.permissions[repoKey] ??= {})[login.toLowerCase()] = permission;
    this.store.touch();
    this.store.save();
  }

  /**
   * GitHub refuses an App without the `workflows` permission any change to .github/workflows.
   * `sha` is the new tip; `base` limits the check to commits not in base (else: in no ref).
   */
  async assertWorkflowsAllowed(auth: Auth, repoKey: string, sha: string, base?: string): Promise<void> {
    if (auth.kind !== "installation" || auth.app.permissions.workflows === "write") return;
    const path = await this.bare(repoKey).workflowChange(sha, base);
    if (path)
      throw new HttpError(403, `refusing to allow a GitHub App to create or update workflow \`${path}\` without \`workflows\` permission`);
  }

  // ---------- apps ----------

  registerApp(opts: {
    name?: string;
    owner?: string;
    webhookUrl?: string | null;
    webhookSecret?: string;
    events?: string[];
    permissions?: Record<string, string>;
    callbackUrls?: string[];
  }): { app: AppRec; privateKey: string; clientSecret: string } {
    const id = this.store.id();
    const name = opts.name ?? `ouro-app-${id}`;
    const slug =
      name
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/^-+|-+$/g, "") || `app-${id}`;
    if (Object.values(this.store.data.apps).some((a) => a.slug === slug))
      throw new HttpError(422, `An app named ${JSON.stringify(slug)} already exists`);
    const owner = this.ensureAccount(opts.owner ?? "ouro-admin");
    const { publicKey, privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
    });
    const app: AppRec = {
      id,
      slug,
      name,
      clientId: `Iv1.${randomBytes(8).toString("hex")}`,
      ownerLogin: owner.login,
      publicKeyPem: publicKey,
      webhookUrl: opts.webhookUrl ?? null,
      webhookSecret: opts.webhookSecret ?? randomBytes(20).toString("hex"),
      events: opts.events ?? [],
      permissions: opts.permissions ?? {
        contents: "write",
        pull_requests: "write",
        issues: "write",
        checks: "write",
        statuses: "write",
        deployments: "write",
        metadata: "read",
      },
      callbackUrls: opts.callbackUrls ?? [],
      clientSecretHash: "",
      createdAt: now(),
    };
    const clientSecret = randomBytes(20).toString("hex");
    app.clientSecretHash = createHash("sha256").update(clientSecret).digest("hex");
    this.store.data.apps[String(id)] = app;
    this.ensureAccount(`${slug}[bot]`, "Bot");
    // The private key is handed out once (as GitHub does) and kept only in the key file.
    writeFileSync(this.keyFile(app.id), privateKey, { mode: 0o600 });
    this.store.save();
    return { app, privateKey, clientSecret };
  }

  /** Sets where the App's OAuth web flow may send users back (its "Callback URL" settings). */
  setCallbackUrls(appId: number, urls: string[]): void {
    const app = this.store.data.apps[String(appId)];
    if (!app) throw notFound();
    for (const u of urls) if (!/^https?:\/\//.test(u)) throw new HttpError(422, `Not a callback URL: ${JSON.stringify(u)}`);
    if (urls.length > 10) throw new HttpError(422, "An App can have at most 10 callback URLs");
    app.callbackUrls = [...urls];
    this.store.touch();
    this.store.save();
  }

  keyFile(appId: number): string {
    return join(this.store.dataDir, "apps", `${appId}.private-key.pem`);
  }

  setWebhook(appId: number, url: string | null, secret?: string): AppRec {
    const app = this.store.data.apps[String(appId)];
    if (!app) throw notFound();
    app.webhookUrl = url;
    if (secret !== undefined) app.webhookSecret = secret;
    this.store.touch();
    this.store.save();
    return app;
  }

  /** Installs an app on `owner/repo` (or on all of `owner`'s repos); returns the installation id. */
  installApp(appId: number, target: string): number {
    const app = this.store.data.apps[String(appId)];
    if (!app) throw new HttpError(404, `No app ${appId}`);
    const [owner, repo] = target.split("/");
    const account = this.store.data.accounts[owner.toLowerCase()];
    if (!account) throw new HttpError(404, `No account ${owner}`);
    if (repo && !this.store.data.repos[target.toLowerCase()]) throw new HttpError(404, `No repository ${target}`);
    let inst = Object.values(this.store.data.installations).find(
      (i) => i.appId === appId && i.accountLogin.toLowerCase() === owner.toLowerCase(),
    );
    const created = !inst;
    if (!inst) {
      inst = { id: this.store.id(), appId, accountLogin: account.login, repos: [], selection: repo ? "selected" : "all", createdAt: now() };
      this.store.data.installations[String(inst.id)] = inst;
    }
    const added = repo && !inst.repos.includes(target.toLowerCase()) ? [target.toLowerCase()] : [];
    inst.repos.push(...added);
    if (!repo) inst.selection = "all";
    this.store.touch();
    const repoMini = (k: string): Record<string, unknown> => {
      const r = this.store.data.repos[k];
      return {
        id: r.id,
        node_id: this.shapes.nodeId("Repository", r.id),
        name: r.name,
        full_name: `${r.owner}/${r.name}`,
        private: r.private,
      };
    };
    const common = { installation: this.shapes.installation(inst), sender: this.shapes.user(account.login), requester: null };
    if (created)
      this.deliveries.enqueue(app, "installation", { action: "created", ...common, repositories: inst.repos.map(repoMini) }, inst.id, null);
    else if (added.length)
      this.deliveries.enqueue(
        app,
        "installation_repositories",
        {
          action: "added",
          ...common,
          repository_selection: inst.selection,
          repositories_added: added.map(repoMini),
          repositories_removed: [],
        },
        inst.id,
        null,
      );
    this.store.save();
    return inst.id;
  }

  /** A one-hour installation token; `permissions` narrows it (already checked to be within the App's). */
  installationToken(inst: InstallationRec, permissions?: Record<string, string>): { token: string; expiresAt: string } {
    const token = newToken("ghs");
    const expiresAt = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    this.store.data.tokens[token] = {
      token,
      kind: "installation",
      installationId: inst.id,
      ...(permissions ? { permissions } : {}),
      expiresAt,
      createdAt: now(),
    };
    // Expired tokens are dropped so the state file does not grow without bound.
    for (const [t, rec] of Object.entries(this.store.data.tokens))
      if (rec.expiresAt && Date.parse(rec.expiresAt) < Date.now()) delete this.store.data.tokens[t];
    this.store.touch();
    return { token, expiresAt };
  }

  // ---------- webhooks ----------

  /** Sends `event` to every app installed on the repository (or only to `to`: an app id or a filter). */
  emit(event: string, repoKey: string, sender: string, body: Record<string, unknown>, to?: number | ((app: AppRec) => boolean)): void {
    const repo = this.store.data.repos[repoKey];
    for (const inst of Object.values(this.store.data.installations)) {
      if (!this.installationCovers(inst, repoKey)) continue;
      if (typeof to === "number" && inst.appId !== to) continue;
      const app = this.store.data.apps[String(inst.appId)];
      if (!app?.webhookUrl) continue;
      if (typeof to === "function" && !to(app)) continue;
      const payload: Record<string, unknown> = {
        ...body,
        repository: body.repository ?? this.webhookRepo(repo),
        sender: this.shapes.user(sender),
        installation: { id: inst.id, node_id: this.shapes.nodeId("Installation", inst.id) },
      };
      const owner = this.store.data.accounts[repo.owner.toLowerCase()];
      if (owner?.type === "Organization") payload.organization = this.orgShape(owner);
      this.deliveries.enqueue(app, event, payload, inst.id, repoKey);
    }
  }

  /**
   * check_run/check_suite as GitHub scopes them: `created` and `completed` reach every installed
   * App with the `checks` permission (GitHub subscribes them automatically, whoever owns the run);
   * `requested`, `rerequested` and `requested_action` reach only the App that owns the run/suite.
   */
  emitCheck(event: "check_run" | "check_suite", repoKey: string, sender: string, body: Record<string, unknown>, ownerAppId: number): void {
    const everyone = body.action === "created" || body.action === "completed";
    this.emit(
      event,
      repoKey,
      sender,
      body,
      everyone ? (app) => app.id === ownerAppId || app.permissions.checks === "read" || app.permissions.checks === "write" : ownerAppId,
    );
  }

  /** Whether any installed app with a webhook URL subscribes to `event` on the repository. */
  receives(repoKey: string, event: string): boolean {
    return Object.values(this.store.data.installations).some((inst) => {
      const app = this.store.data.apps[String(inst.appId)];
      return app?.webhookUrl && (app.events.length === 0 || app.events.includes(event)) && this.installationCovers(inst, repoKey);
    });
  }

  webhookRepo(repo: RepoRec): Record<string, unknown> {
    return { ...this.shapes.repo(repo, { permissions: false }), stargazers: 0, master_branch: repo.defaultBranch };
  }

  private orgShape(a: Account): Record<string, unknown> {
    const u = `${this.shapes.api}/orgs/${a.login}`;
    return {
      login: a.login,
      id: a.id,
      node_id: this.shapes.nodeId("Organization", a.id),
      url: u,
      repos_url: `${u}/repos`,
      events_url: `${u}/events`,
      hooks_url: `${u}/hooks`,
      issues_url: `${u}/issues`,
      members_url: `${u}/members{/member}`,
      public_members_url: `${u}/public_members{/member}`,
      avatar_url: `${this.web}/avatars/u/${a.id}`,
      description: null,
    };
  }

  // ---------- pushes ----------

  /**
   * Everything a ref change implies, whoever made it (git push, REST, a merge):
   * push/create/delete webhooks, PR head updates (`synchronize`), PRs merged by a push.
   */
  async refsChanged(repoKey: string, changes: RefChange[], sender: string): Promise<void> {
    const rec = this.store.data.repos[repoKey];
    if (!rec || changes.length === 0) return;
    const git = this.bare(repoKey);
    rec.pushedAt = now();
    rec.updatedAt = rec.pushedAt;
    this.store.touch();
    for (const c of changes) {
      const created = c.before === ZERO_SHA;
      const deleted = c.after === ZERO_SHA;
      const isBranch = c.ref.startsWith("refs/heads/");
      const short = c.ref.replace(/^refs\/(heads|tags)\//, "");
      const isTag = c.ref.startsWith("refs/tags/");
      if (!isBranch && !isTag) continue;
      // Payloads cost git calls: build them only when some app will receive them.
      if (this.receives(repoKey, "push")) this.emit("push", repoKey, sender, await this.pushPayload(repoKey, c, sender));
      if (created)
        this.emit("create", repoKey, sender, {
          ref: short,
          ref_type: isTag ? "tag" : "branch",
          master_branch: rec.defaultBranch,
          description: rec.description,
          pusher_type: "user",
        });
      if (deleted) this.emit("delete", repoKey, sender, { ref: short, ref_type: isTag ? "tag" : "branch", pusher_type: "user" });
      if (!isBranch) continue;
      if (!deleted) await this.requestCheckSuites(repoKey, short, c, sender);
      const prs = Object.values(this.store.data.issues).filter((i) => i.pull && i.repo === repoKey && i.state === "open");
      // commits the push added to a base branch (one rev-list for all PRs on that base)
      const added =
        !deleted && !created && prs.some((i) => i.pull!.baseRef === short)
          ? new Set(await git.revList(c.after, { exclude: c.before }))
          : new Set<string>();
      for (const issue of prs) {
        const p = issue.pull;
        if (!p || issue.repo !== repoKey || issue.state !== "open") continue;
        if (p.headRef === short && !deleted && p.headSha !== c.after) {
          const before = p.headSha;
          p.headSha = c.after;
          issue.updatedAt = now();
          this.store.touch();
          if (this.receives(repoKey, "pull_request"))
            this.emit("pull_request", repoKey, sender, {
              action: "synchronize",
              number: issue.number,
              before,
              after: c.after,
              pull_request: await this.pullShape(issue),
            });
        }
        // Deleting an open PR's head branch closes the PR, as on GitHub.
        if (p.headRef === short && deleted) {
          issue.state = "closed";
          issue.closedAt = now();
          issue.updatedAt = issue.closedAt;
          issue.closedBy = sender;
          p.baseSha = (await git.refSha(`refs/heads/${p.baseRef}`)) ?? p.baseSha;
          this.store.touch();
          if (this.receives(repoKey, "pull_request"))
            this.emit("pull_request", repoKey, sender, {
              action: "closed",
              number: issue.number,
              pull_request: await this.pullShape(issue),
            });
          continue;
        }
        // A push that makes the base contain the head marks the PR merged, as on GitHub.
        if (p.baseRef === short && added.has(p.headSha)) {
          p.merged = true;
          p.mergedAt = now();
          p.mergedBy = sender;
          p.mergeCommitSha = c.after;
          p.baseSha = c.after;
          issue.state = "closed";
          issue.closedAt = p.mergedAt;
          issue.updatedAt = p.mergedAt;
          this.store.touch();
          if (this.receives(repoKey, "pull_request"))
            this.emit("pull_request", repoKey, sender, {
              action: "closed",
              number: issue.number,
              pull_request: await this.pullShape(issue),
            });
        }
      }
    }
    this.store.save();
  }

  /** On a branch push every installed app gets its own check suite and a `check_suite.requested`. */
  private async requestCheckSuites(repoKey: string, branch: string, c: RefChange, sender: string): Promise<void> {
    for (const inst of Object.values(this.store.data.installations)) {
      if (!this.installationCovers(inst, repoKey) || !this.store.data.apps[String(inst.appId)]?.webhookUrl) continue;
      let suite = Object.values(this.store.data.checkSuites).find(
        (x) => x.repo === repoKey && x.appId === inst.appId && x.headSha === c.after,
      );
      if (!suite) suite = await this.createSuite(repoKey, inst.appId, c.after, branch);
      await this.emitSuite(repoKey, suite.id, sender, "requested", inst.appId, c.before);
    }
  }

  /** A check suite for (app, sha), with its head commit in the "simple commit" form suites carry. */
  async createSuite(repoKey: string, appId: number | null, headSha: string, headBranch: string | null): Promise<CheckSuiteRec> {
    const c = await this.bare(repoKey).readCommit(headSha);
    const headCommit = c
      ? {
          id: c.sha,
          tree_id: c.tree,
          message: c.message.replace(/\n$/, ""),
          timestamp: c.committer.date,
          author: { name: c.author.name, email: c.author.email },
          committer: { name: c.committer.name, email: c.committer.email },
        }
      : undefined;
    const suite: CheckSuiteRec = {
      id: this.store.id(),
      repo: repoKey,
      appId,
      headSha,
      headBranch,
      headCommit,
      createdAt: now(),
      updatedAt: now(),
    };
    this.store.data.checkSuites[String(suite.id)] = suite;
    return suite;
  }

  async emitSuite(
    repoKey: string,
    suiteId: number,
    sender: string,
    action: string,
    appId: number,
    before: string | null = null,
  ): Promise<void> {
    const suite = this.store.data.checkSuites[String(suiteId)];
    this.emitCheck("check_suite", repoKey, sender, { action, check_suite: { ...this.shapes.checkSuite(suite, false), before } }, appId);
  }

  /** A human clicks one of a check run's action buttons: only the App that created the run hears it. */
  requestCheckRunAction(repoKey: string, checkRunId: number, identifier: string, login: string): void {
    const run = this.store.data.checkRuns[String(checkRunId)];
    if (!run || run.repo !== repoKey || this.permission(repoKey, login) === "none") throw notFound();
    if (!["admin", "maintain", "write"].includes(this.permission(repoKey, login)))
      throw new HttpError(403, "Must have push access to this repository.");
    if (!run.actions?.some((a) => a.identifier === identifier))
      throw new HttpError(422, `Check run ${checkRunId} has no action ${JSON.stringify(identifier)}`);
    if (run.appId === null) return;
    const suite = this.store.data.checkSuites[String(run.suiteId)];
    this.emitCheck(
      "check_run",
      repoKey,
      login,
      {
        action: "requested_action",
        check_run: { ...this.shapes.checkRun(run), check_suite: this.shapes.checkSuite(suite, false) },
        requested_action: { identifier },
      },
      run.appId,
    );
  }

  private async pushPayload(repoKey: string, c: RefChange, sender: string): Promise<Record<string, unknown>> {
    const rec = this.store.data.repos[repoKey];
    const git = this.bare(repoKey);
    const deleted = c.after === ZERO_SHA;
    const created = c.before === ZERO_SHA;
    let shas: string[] = [];
    if (!deleted) shas = (await git.revList(c.after, { max: 20, exclude: created ? undefined : c.before }).catch(() => [])).reverse();
    const commits = [];
    for (const sha of shas) commits.push(await this.pushCommit(repoKey, sha));
    const head = deleted ? null : (commits.find((x) => x.id === c.after) ?? (await this.pushCommit(repoKey, c.after)));
    const forced = !created && !deleted && !(await git.isAncestor(c.before, c.after));
    const who = this.identity(sender);
    return {
      ref: c.ref,
      before: c.before,
      after: c.after,
      created,
      deleted,
      forced,
      base_ref: null,
      compare: `${this.web}/${rec.owner}/${rec.name}/compare/${c.before.slice(0, 12)}...${c.after.slice(0, 12)}`,
      commits,
      head_commit: head,
      repository: {
        ...this.webhookRepo(rec),
        pushed_at: Math.floor(Date.parse(rec.pushedAt) / 1000),
        created_at: Math.floor(Date.parse(rec.createdAt) / 1000),
      },
      // GitHub gives bot pushers no email (their noreply address is not a valid RFC 5322 address)
      pusher: { name: sender, email: sender.endsWith("[bot]") ? null : who.email },
    };
  }

  private async pushCommit(repoKey: string, sha: string): Promise<Record<string, unknown> & { id: string }> {
    const rec = this.store.data.repos[repoKey];
    const git = this.bare(repoKey);
    const c = await git.readCommit(sha);
    if (!c) throw new Error(`missing commit ${sha}`);
    const files = await git.nameStatus(c.parents[0] ?? EMPTY_TREE, sha).catch(() => []);
    const ident = (i: { name: string; email: string }): Record<string, unknown> => {
      const a = Object.values(this.store.data.accounts).find((x) => x.email === i.email);
      return a ? { name: i.name, email: i.email, username: a.login } : { name: i.name, email: i.email };
    };
    return {
      id: sha,
      tree_id: c.tree,
      distinct: true,
      message: c.message.replace(/\n$/, ""),
      timestamp: c.committer.date,
      url: `${this.web}/${rec.owner}/${rec.name}/commit/${sha}`,
      author: ident(c.author),
      committer: ident(c.committer),
      added: files.filter((f) => f.status === "added").map((f) => f.path),
      removed: files.filter((f) => f.status === "removed").map((f) => f.path),
      modified: files.filter((f) => f.status === "modified").map((f) => f.path),
    };
  }

  // ---------- pull requests ----------

  issue(repoKey: string, number: number): IssueRec | undefined {
    return this.store.data.issues[this.store.issueKey(repoKey, number)];
  }

  /** Head/base shas, mergeability (a real three-way merge) and diff counts. */
  async pullLive(issue: IssueRec): Promise<PullLive> {
    const p = issue.pull as NonNullable<IssueRec["pull"]>;
    // A closed PR's numbers never change: compute them once.
    const closedKey = issue.state === "closed" ? `${issue.id}:${p.headSha}:${p.baseSha}` : null;
    const cached = closedKey ? this.closedLive.get(closedKey) : undefined;
    if (cached) return cached;
    const live = await this.computeLive(issue);
    if (closedKey) this.closedLive.set(closedKey, live);
    return live;
  }

  private async computeLive(issue: IssueRec): Promise<PullLive> {
    const p = issue.pull as NonNullable<IssueRec["pull"]>;
    const git = this.bare(issue.repo);
    let headSha = p.headSha;
    let baseSha = p.baseSha;
    if (issue.state === "open") {
      const shas = await git.branchShas([p.headRef, p.baseRef]);
      headSha = shas.get(p.headRef) ?? p.headSha;
      baseSha = shas.get(p.baseRef) ?? p.baseSha;
    }
    let mergeable: boolean | null = null;
    let mergeableState = "unknown";
    if (issue.state === "open") {
      const m = await this.mergeTree(issue.repo, baseSha, headSha);
      mergeable = m.tree !== null;
      mergeableState = !mergeable ? "dirty" : p.draft ? "draft" : (await this.headFailing(issue.repo, headSha)) ? "unstable" : "clean";
    }
    return { headSha, baseSha, mergeable, mergeableState, ...(await this.diffStats(issue.repo, baseSha, headSha)) };
  }

  /** Commits and line counts of head against its merge base with base (cached per sha pair). */
  private async diffStats(
    repoKey: string,
    base: string,
    head: string,
  ): Promise<{ commits: number; additions: number; deletions: number; changedFiles: number }> {
    const k = `${repoKey}:${base}:${head}`;
    let st = this.statsCache.get(k);
    if (!st) {
      const git = this.bare(repoKey);
      const [count, short] = await Promise.all([
        git.text(["rev-list", "--count", `${base}..${head}`]).catch(() => "0"),
        git.text(["diff", "--shortstat", "--no-renames", `${base}...${head}`]).catch(() => ""),
      ]);
      const num = (re: RegExp): number => Number(re.exec(short)?.[1] ?? 0);
      st = {
        commits: Number(count) || 0,
        changedFiles: num(/(\d+) files? changed/),
        additions: num(/(\d+) insertions?\(\+\)/),
        deletions: num(/(\d+) deletions?\(-\)/),
      };
      if (this.statsCache.size > 1000) this.statsCache.clear();
      this.statsCache.set(k, st);
    }
    return st;
  }

  async mergeTree(repoKey: string, base: string, head: string): Promise<{ tree: string | null }> {
    const k = `${repoKey}:${base}:${head}`;
    let m = this.mergeCache.get(k);
    if (!m) {
      m = { tree: (await this.bare(repoKey).mergeTree(base, head)).tree };
      if (this.mergeCache.size > 1000) this.mergeCache.clear();
      this.mergeCache.set(k, m);
    }
    return m;
  }

  private async headFailing(repoKey: string, sha: string): Promise<boolean> {
    const bad = ["failure", "error"];
    if (Object.values(this.store.data.statuses).some((s) => s.repo === repoKey && s.sha === sha && bad.includes(s.state))) return true;
    return Object.values(this.store.data.checkRuns).some(
      (c) =>
        c.repo === repoKey && c.headSha === sha && ["failure", "timed_out", "cancelled", "action_required"].includes(c.conclusion ?? ""),
    );
  }

  async pullShape(issue: IssueRec): Promise<Record<string, unknown>> {
    return this.shapes.pull(issue, await this.pullLive(issue));
  }

  close(): void {
    this.deliveries.close();
    this.store.save();
  }
}

export { ZERO_SHA };
