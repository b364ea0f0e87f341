import type { LocalProgress } from '../local/local-launcher.js';

/**
 * Shows a local run's progress on a stream (stderr): a live line redrawn in place on a terminal
 * (overall bar, then images done/total per running shard), plain lines elsewhere (each finished
 * shard, every failed image).
 */
export class ProgressDisplay {
  private readonly shards = new Map<number, { done: number; total: number; finished: boolean }>();
  private readonly started = Date.now();
  private lastDraw = 0;

  public constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly totalImages: () => number,
    private readonly live = Boolean(stream.isTTY),
  ) {}

  public readonly onProgress = (progress: LocalProgress): void => {
    switch (progress.type) {
      case 'child-start':
        this.shards.set(progress.shard, { done: 0, total: 0, finished: false });
        break;
      case 'image': {
        this.shards.set(progress.shard, { done: progress.done, total: progress.total, finished: false });
        if (progress.status === 'failed') {
          this.line(`  failed: ${progress.sourceKey}: ${progress.reason ?? 'unknown reason'}`);
        }
        break;
      }
      case 'child-exit': {
        const shard = this.shards.get(progress.shard);
        if (shard !== undefined) shard.finished = true;
        if (!this.live) {
          const counts = shard === undefined ? '' : ` (${shard.done}/${shard.total} images)`;
          this.line(`shard ${progress.shard} finished${counts}, exit status ${progress.exitCode}`);
        }
        break;
      }
      case 'assembler-start':
        this.line('all shards finished; assembling manifests');
        break;
      case 'assembler-exit':
        break;
      case 'output':
        this.line(`  ${progress.from}: ${progress.message}`);
        break;
    }
    this.draw(progress.type === 'child-exit' || progress.type === 'assembler-start');
  };

  /** Clear the live line (call before printing the summary). */
  public finish(): void {
    if (this.live) this.stream.write('\r\u001b[2K');
  }

  private line(text: string): void {
    if (this.live) this.stream.write('\r\u001b[2K');
    this.stream.write(`${text}\n`);
    if (this.live) this.draw(true);
  }

  private draw(force: boolean): void {
    if (!this.live) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const total = this.totalImages();
    const done = [...this.shards.values()].reduce((sum, shard) => sum + shard.done, 0);
    const width = 24;
    const filled = total === 0 ? 0 : Math.round((done / total) * width);
    const running = [...this.shards.entries()]
      .filter(([, shard]) => !shard.finished)
      .slice(0, 6)
      .map(([index, shard]) => `#${index} ${shard.done}/${shard.total}`)
      .join('  ');
    const seconds = Math.round((now - this.started) / 1000);
    const text = `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} images  ${seconds}s  ${running}`;
    this.stream.write(`\r\u001b[2K${text.slice(0, Math.max(20, (this.stream.columns ?? 100) - 1))}`);
  }
}
