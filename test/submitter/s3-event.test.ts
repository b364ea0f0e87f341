import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { decodeEventKey, parseS3Events } from '../../src/submitter/s3-event.js';

function notification(key: string, object: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2025-01-01T00:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: 'iiif-tasks', arn: 'arn:aws:s3:::iiif-tasks' },
          object: {
            key,
            size: 512,
            eTag: '0123456789abcdef0123456789abcdef',
            sequencer: '0055AED6DCD90281E5',
            ...object,
          },
        },
      },
    ],
  });
}

describe('parseS3Events', () => {
  it('reads bucket, decoded key, ETag, version id and size', () => {
    // Act
    const events = parseS3Events(notification('tasks/box+2.json', { versionId: 'v1' }), 'message 1');

    // Assess
    expect(events).toEqual([
      {
        kind: 'object',
        eventName: 'ObjectCreated:Put',
        bucket: 'iiif-tasks',
        key: 'tasks/box 2.json',
        versionId: 'v1',
        etag: '0123456789abcdef0123456789abcdef',
        size: 512,
      },
    ]);
  });

  it('recognises the S3 test event', () => {
    // Prepare
    const body = JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2025-01-01T00:00:00.000Z',
      Bucket: 'iiif-tasks',
      RequestId: 'R',
      HostId: 'H',
    });

    // Act / Assess
    expect(parseS3Events(body, 'message 2')).toEqual([{ kind: 'test', bucket: 'iiif-tasks' }]);
  });

  it('unwraps an SNS notification', () => {
    // Prepare
    const body = JSON.stringify({ Type: 'Notification', MessageId: 'm', Message: notification('tasks/a.json') });

    // Act
    const events = parseS3Events(body, 'message 3');

    // Assess
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'object', key: 'tasks/a.json' });
  });

  it('rejects bodies that are not S3 notifications, naming what is wrong', () => {
    // Act / Assess
    expect(() => parseS3Events('not json', 'message 4')).toThrow(InvalidInputError);
    expect(() => parseS3Events('not json', 'message 4')).toThrow(/message 4: expected a JSON S3 event notification/);
    expect(() => parseS3Events('{"hello": 1}', 'message 5')).toThrow(
      'message 5: expected an S3 event notification with a Records array but received an object with hello',
    );
    expect(() =>
      parseS3Events(
        '{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {}}}]}',
        'm6',
      ),
    ).toThrow('m6 Records[0]: expected a key for s3.object.key');
  });
});

describe('decodeEventKey', () => {
  it('decodes plus signs as spaces, %2B as a plus sign and percent-escaped UTF-8', () => {
    // Act / Assess
    expect(decodeEventKey('tasks/Box+2+%E2%80%94+%C3%9Cn%C3%AFcode%2Bplus.json')).toBe(
      'tasks/Box 2 — Ünïcode+plus.json',
    );
    expect(decodeEventKey('tasks/%E6%9B%B8%E5%BA%AB/a%26b.json')).toBe('tasks/書庫/a&b.json');
  });

  it('rejects broken escapes', () => {
    // Act / Assess
    expect(() => decodeEventKey('tasks/%E2%80.json', 'message 7')).toThrow(
      'message 7: the object key "tasks/%E2%80.json" is not valid URL encoding',
    );
  });
});
