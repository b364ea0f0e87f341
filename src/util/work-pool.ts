/**
 * Asynchronous work started as it comes (one call per file of a listing that is still arriving),
 * at most `limit` calls in flight: `start` waits for a free slot, `drain` for every call. After the
 * first failure no new call starts; `start` and `drain` throw it once the calls in flight are done.
 */
export class WorkPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private failure: { readonly error: unknown } | undefined;

  /** @param limit calls in flight at once, at least 1 */
  public constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Expected an integer of at least 1 for limit but received ${limit}`);
    }
  }

  /** Start `work` as soon as fewer than `limit` calls are in flight; resolves once it has started. */
  public async start(work: () => Promise<void>): Promise<void> {
    while (this.running >= this.limit) await this.slot();
    if (this.failure !== undefined) {
      await this.drain();
      return;
    }
    this.running++;
    work().then(
      () => this.finish(),
      (error: unknown) => {
        this.failure ??= { error };
        this.finish();
      },
    );
  }

  /** Wait for every call started; throws the first failure. */
  public async drain(): Promise<void> {
    while (this.running > 0) await this.slot();
    if (this.failure !== undefined) throw this.failure.error;
  }

  private slot(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private finish(): void {
    this.running--;
    // Every waiter checks again: one may start, a draining caller may be done.
    for (const wake of this.waiting.splice(0)) wake();
  }
}
