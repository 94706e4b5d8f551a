/**
 * persistent: `npm start`; data survives restarts and the usual ports are used.
 * ephemeral: `npm test`; fresh temp data and free ports, so it can run next to `npm start`.
 */
export type StackMode = 'persistent' | 'ephemeral';

/** One line of progress for the person at the terminal. */
export type Log = (line: string) => void;

export const defaultLog: Log = (line) => {
  // stderr, so a script whose stdout is parsed (ensure-temporal-cli) stays clean.
  process.stderr.write(`[dev-stack] ${line}\n`);
};

/** A service we started; stop() is safe to call more than once. */
export interface StartedService {
  stop(): Promise<void>;
}
