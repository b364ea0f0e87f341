import { type Env, readLogConfig } from '../config.js';
import { createLogger, type Logger } from '../log.js';

/**
 * The log of an operator command: on a terminal, the command's own output speaks and the log keeps
 * warnings and errors (or everything with LOG_LEVEL=debug); with `--json`, the configured level.
 */
export function commandLogger(env: Env, json: boolean): Logger {
  const config = readLogConfig(env);
  return createLogger(json || config.level === 'debug' ? config : { ...config, level: 'warn' });
}
