/**
 * `Promise.all(items.map(work))` with at most `limit` calls in flight; results keep the input
 * order. After the first failure no new call starts; the calls in flight are awaited, then the
 * first error is thrown.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runner = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, runner));
  if (failure !== undefined) throw failure.error;
  return results;
}

/** Run `work` over `items` with at most `limit` in flight (see `mapLimit` for errors). */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  await mapLimit(items, limit, work);
}
