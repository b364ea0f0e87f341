/** A time work must be done by, on a clock that tests can drive. */
export interface Deadline {
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** The clock `at` is read on (milliseconds since the epoch). */
  readonly now: () => number;
}

/** Whether `deadline` has passed (never, without one). */
export function deadlinePassed(deadline: Deadline | undefined): boolean {
  return deadline !== undefined && deadline.now() > deadline.at;
}
