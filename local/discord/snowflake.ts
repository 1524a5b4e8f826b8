// Discord snowflakes: ms since the Discord epoch (2015-01-01) << 22 | a 12-bit increment.
const DISCORD_EPOCH = 1420070400000n;

export class Snowflakes {
  #last = 0n;
  next(now = Date.now()): string {
    let id = (BigInt(now) - DISCORD_EPOCH) << 22n;
    if (id <= this.#last) id = this.#last + 1n; // strictly increasing, even within one ms
    this.#last = id;
    return id.toString();
  }
  /** Keeps ids increasing after a restart from persisted state. */
  observe(id: string): void {
    const n = BigInt(id);
    if (n > this.#last) this.#last = n;
  }
}

export function snowflakeTime(id: string): Date {
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH));
}
