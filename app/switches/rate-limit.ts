// Admission and start limits from policies (rateLimits), as pure functions of what the
// store already knows: recent requests and how many Ouro PRs are open.
export interface RateLimits {
  perRequesterPerHour: number;
  globalPerMinute: number;
  maxOpenPrs: number;
  burst: { edits: number; windowSeconds: number };
}

export interface RecentRequest {
  requester: string;
  /** ms since epoch */
  at: number;
}

export type Admission = { ok: true } | { ok: false; reason: string };

/** Whether a new request is accepted at all (refused requests are never stored as work). */
export function admit(requester: string, recent: RecentRequest[], now: number, limits: RateLimits): Admission {
  const hourAgo = now - 3_600_000;
  const mine = recent.filter((r) => r.requester === requester && r.at > hourAgo).length;
  if (mine >= limits.perRequesterPerHour) {
    return {
      ok: false,
      reason: `rate limit: ${requester} already made ${mine} requests in the last hour (the limit is ${limits.perRequesterPerHour}); try again later`,
    };
  }
  const minuteAgo = now - 60_000;
  const all = recent.filter((r) => r.at > minuteAgo).length;
  if (all >= limits.globalPerMinute) {
    return {
      ok: false,
      reason: `rate limit: ${all} requests in the last minute (the limit is ${limits.globalPerMinute}); try again in a minute`,
    };
  }
  return { ok: true };
}

export type StartDecision = { ok: true } | { ok: false; reason: string };

/** Whether a queued request may start now; otherwise it stays queued with the reason. */
export function mayStart(openPrs: number, recentStarts: number[], now: number, limits: RateLimits): StartDecision {
  if (openPrs >= limits.maxOpenPrs)
    return { ok: false, reason: `queued: ${openPrs} Ouro pull requests are open (at most ${limits.maxOpenPrs})` };
  const since = now - limits.burst.windowSeconds * 1000;
  const starts = recentStarts.filter((t) => t > since).length;
  if (starts >= limits.burst.edits) {
    return {
      ok: false,
      reason: `queued: ${starts} self-edits started in the last ${limits.burst.windowSeconds} s (at most ${limits.burst.edits})`,
    };
  }
  return { ok: true };
}
