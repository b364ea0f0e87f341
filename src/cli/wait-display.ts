import type { WaitProgress } from '../operations/wait-for-run.js';

/**
 * Shows `submit --wait` progress on a stream (stderr): a bar redrawn in place on a terminal, a line
 * per change elsewhere.
 */
export class WaitDisplay {
  private lastLine = '';

  public constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly live = Boolean(stream.isTTY),
  ) {}

  public readonly onProgress = (progress: WaitProgress): void => {
    let line: string;
    if (progress.phase === 'waiting') {
      line = `waiting for the submitter to pick the task up (${progress.seconds}s)`;
      if (!this.live && this.lastLine.startsWith('waiting')) return;
    } else {
      const width = 24;
      const total = progress.total;
      const filled = total === 0 ? 0 : Math.min(width, Math.round((progress.done / total) * width));
      const failed = progress.failed === 0 ? '' : ` (${progress.failed} failed)`;
      line = `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${progress.done}/${total} images${failed}`;
      if (this.live) line += `  ${progress.seconds}s`;
    }
    if (this.live) {
      this.stream.write(`\r\u001b[2K${line.slice(0, Math.max(20, (this.stream.columns ?? 100) - 1))}`);
    } else if (line !== this.lastLine) {
      this.stream.write(`${line}\n`);
    }
    this.lastLine = line;
  };

  /** Clear the live line (call before printing the result). */
  public finish(): void {
    if (this.live && this.lastLine !== '') this.stream.write('\r\u001b[2K');
  }
}
