/** Exit statuses shared by the CLI and the container entry points. */
export const ExitCode = {
  /** Everything published. */
  Ok: 0,
  /**
   * The work ran but some of it failed (images, a shard, the assembler); or an unexpected error.
   * A shard worker exits 1 only when it could not do its job (record every image's outcome: storage
   * kept failing, the working disk is full): Batch retries it. Failed images are outcomes, not that.
   */
  Failed: 1,
  /**
   * The input was invalid (task file, CSV, flags, environment), or another run holds the
   * collection's lease (it is being published), and nothing ran. Batch does not retry it.
   */
  Invalid: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
