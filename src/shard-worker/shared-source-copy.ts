import { link, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Which version of which object a copy holds. */
export interface SourceIdentity {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
}

/**
 * The last source copied for a page of a multi-page file (TIFF, PDF), kept under a second name so
 * the shard's next page of the same file is a hard link to it instead of another download: a
 * 400-page PDF in S3 is fetched once per shard, not once per page. Each page's working folder
 * still owns its own name for the copy and removes it as before; the kept name is dropped when
 * another source is copied, or by `clear`.
 */
export class SharedSourceCopy {
  private dir: string | undefined;
  private kept: (SourceIdentity & { readonly path: string }) | undefined;
  private counter = 0;

  public constructor(private readonly parent: string) {}

  /**
   * Put the source's bytes at `target`: a link to the kept copy when it is of the same object
   * version, otherwise `fetch(target)`, whose result is then kept.
   *
   * @returns the bytes `fetch` wrote, or `undefined` when the kept copy was linked
   */
  public async copyInto(
    identity: SourceIdentity,
    target: string,
    fetch: (path: string) => Promise<number>,
  ): Promise<number | undefined> {
    const kept = this.kept;
    if (kept !== undefined && sameSource(kept, identity)) {
      try {
        await link(kept.path, target);
        return undefined;
      } catch {
        // The kept copy is gone (or the disk refuses links): fetch as usual.
      }
    }
    await this.clear();
    const bytes = await fetch(target);
    try {
      this.dir ??= await mkdtemp(join(await ensured(this.parent), 'iiif-batch-shared-'));
      const path = join(this.dir, `source-${this.counter++}`);
      await link(target, path);
      this.kept = { ...identity, path };
    } catch {
      // Not kept: the next page fetches again.
    }
    return bytes;
  }

  /** Drop the kept copy (the end of a shard). */
  public async clear(): Promise<void> {
    const kept = this.kept;
    this.kept = undefined;
    if (kept !== undefined) await rm(kept.path, { force: true });
  }

  /** Drop the kept copy and its folder. */
  public async close(): Promise<void> {
    await this.clear();
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

function sameSource(a: SourceIdentity, b: SourceIdentity): boolean {
  return a.bucket === b.bucket && a.key === b.key && a.etag === b.etag;
}

async function ensured(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
