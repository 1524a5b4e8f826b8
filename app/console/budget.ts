// How long a console page waits for GitHub. Past its deadline the page goes out with what the
// store knows and says the rest is on its way; the event stream tells open pages when it came
// (github-data.ts), so a slow GitHub never makes a slow page.
export const GITHUB_BUDGET_MS = 100;

/** What a wait that passed the deadline resolves to. */
export const LATE = Symbol("late");

export interface Deadline {
  /** Resolves to LATE when the time is up. */
  late: Promise<typeof LATE>;
  /** Stops the timer (the page is done waiting). */
  cancel(): void;
}

export function deadline(ms = GITHUB_BUDGET_MS): Deadline {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), ms);
    timer.unref();
  });
  return { late, cancel: () => clearTimeout(timer) };
}

/** `work`'s answer, or LATE if the deadline comes first (a later failure of `work` is dropped). */
export function within<T>(work: Promise<T>, d: Deadline): Promise<T | typeof LATE> {
  work.catch(() => undefined);
  return Promise.race([work, d.late]);
}
