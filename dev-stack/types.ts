/** One line of progress for the person at the terminal. */
export type Log = (line: string) => void;

/** stderr, so a script whose stdout is parsed (ensure-temporal-cli) stays clean. */
export const defaultLog: Log = (line) => process.stderr.write(`[dev-stack] ${line}\n`);
