/** Exit statuses shared by the CLI and the container entry points. */
export const ExitCode = {
  /** Everything published. */
  Ok: 0,
  /** The work ran but some of it failed (images, a shard, the assembler); or an unexpected error. */
  Failed: 1,
  /** The input was invalid (task file, CSV, flags, environment) and nothing ran. */
  Invalid: 2,
  /**
   * Shard worker only: it finished, but some images could not be tiled (undecodable, truncated).
   * Distinct so Batch does not retry a child that cannot succeed on retry.
   */
  ImagesFailed: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
