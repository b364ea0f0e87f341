import { describe, expect, it } from 'vitest';
import { taskFileBaseName, taskRunId } from '../../src/submitter/run-id.js';

describe('taskRunId', () => {
  it('is the job name and 12 hex digits, the same for the same version', () => {
    // Act
    const first = taskRunId('Ms2016_012-Box2', 'tasks', 'tasks/box2.json', 'abc');
    const again = taskRunId('Ms2016_012-Box2', 'tasks', 'tasks/box2.json', '"abc"');

    // Assess
    expect(first).toMatch(/^Ms2016_012-Box2-[0-9a-f]{12}$/);
    expect(again).toBe(first);
  });

  it('differs for another version, key or bucket', () => {
    // Prepare
    const base = taskRunId('job', 'tasks', 'tasks/a.json', 'v1');

    // Act
    const others = [
      taskRunId('job', 'tasks', 'tasks/a.json', 'v2'),
      taskRunId('job', 'tasks', 'tasks/b.json', 'v1'),
      taskRunId('job', 'other', 'tasks/a.json', 'v1'),
    ];

    // Assess
    expect(new Set([base, ...others]).size).toBe(4);
  });

  it('makes any name safe for keys and job names', () => {
    // Act / Assess
    expect(taskRunId('Box 2 — Ü', 'b', 'k', 'v')).toMatch(/^Box-2-----[0-9a-f]{12}$/);
    expect(taskRunId('', 'b', 'k', 'v')).toMatch(/^task-[0-9a-f]{12}$/);
  });
});

describe('taskFileBaseName', () => {
  it('is the file name without .json', () => {
    // Act / Assess
    expect(taskFileBaseName('tasks/sub/Box 2.JSON')).toBe('Box 2');
    expect(taskFileBaseName('top.json')).toBe('top');
  });
});
