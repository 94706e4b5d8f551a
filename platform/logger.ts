import type { Config } from '../config';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ORDER = ['debug', 'info', 'warn', 'error'] as const;

/** Plain lines on stderr/stdout, so the seed's startup lines read the same in a terminal. */
export function createLogger(level: Config['logLevel'], sink: (line: string) => void = console.log): Logger {
  const min = ORDER.indexOf(level);
  const at =
    (l: (typeof ORDER)[number]) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (ORDER.indexOf(l) < min) return;
      const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      sink(`${l.toUpperCase()}:${' '.repeat(Math.max(1, 9 - l.length))}${message}${extra}`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
