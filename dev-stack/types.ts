/** One line of progress for the person at the terminal. */
export type Log = (line: string) => void;

/** stderr, so a script whose stdout is parsed (ensure-temporal-cli) stays clean. */
export const defaultLog: Log = (line) => process.stderr.write(`[dev-stack] ${line}\n`);

/** A fixed local-only password: the embedded PostgreSQL listens on loopback and holds development data. */
export const POSTGRES_PASSWORD = 'behflow-dev';
export const APP_DATABASE = 'behflow';

/** What the server host (host.ts) is asked to run, as JSON in its argument. */
export interface HostSpec {
  /** Data and logs; an ephemeral host deletes the folder when it stops. */
  readonly dir: string;
  readonly ephemeral: boolean;
  readonly postgres?: { readonly port: number };
  /** No uiPort: headless. */
  readonly temporal?: { cliPath: string; port: number; uiPort?: number; namespace: string };
}

/** The host's first words on stdout once all its servers are ready; anything else says why it failed. */
export const HOST_READY = 'ready\n';
