import type { LogConfig } from './config.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

/**
 * Structured logs: one JSON object per line (cloud, child processes), or readable text on a
 * terminal. Writes to `write` (stderr by default, so stdout stays free for results).
 */
export function createLogger(
  config: LogConfig,
  base: LogFields = {},
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const log = (level: Level, message: string, fields: LogFields = {}): void => {
    if (LEVELS[level] < LEVELS[config.level]) return;
    const all = { ...base, ...fields };
    if (config.format === 'json') {
      write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...all }, jsonSafe)}\n`);
    } else {
      const extras = Object.entries(all)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value, jsonSafe)}`)
        .join(' ');
      const tag = level === 'info' ? '' : `${level.toUpperCase()} `;
      write(`${tag}${message}${extras === '' ? '' : `  ${extras}`}\n`);
    }
  };
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: (fields) => createLogger(config, { ...base, ...fields }, write),
  };
}

/** A logger that drops everything (tests, quiet commands). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
