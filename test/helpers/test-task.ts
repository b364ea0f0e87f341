import { DEFAULT_SETTINGS, type Settings } from '../../src/task/settings.js';
import type { Task } from '../../src/task/task.js';

/** A valid task (as `parseTaskFile` returns it) with the given overrides. */
export function testTask(overrides: Partial<Omit<Task, 'settings'>> & { settings?: Partial<Settings> } = {}): Task {
  const { settings, ...rest } = overrides;
  return {
    jobName: 'Ms2016_012-Box2',
    jobQueue: 'iiif-queue',
    jobDefinition: 'iiif-job',
    region: 'us-east-1',
    collectionId: 'Ms2016_012_Box2',
    accessDir: 'Women_of_Design/Ms2016_012_Box2',
    srcBucket: 'img-src',
    destBucket: 'img-pub',
    destPrefix: 'iawa/Women_of_Design',
    destUrl: 'https://iiif.example.org',
    csvPath: 'metadata',
    csvName: 'Ms2016_012_Box2.csv',
    ...rest,
    settings: { ...DEFAULT_SETTINGS, ...settings },
  };
}
