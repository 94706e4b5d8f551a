import type { Config } from '../config';
import type { Stack } from './index';

/**
 * The URL with any password replaced by ***, for printing.
 * A DATABASE_URL given by the user may hold a real password; it must never reach a terminal or CI log.
 */
export function maskUrlPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = '***';
    return url.toString();
  } catch {
    // Not parseable as a URL: still hide anything that looks like user:password@.
    return value.replace(/\/\/([^/:@]*):[^/@]*@/, '//$1:***@');
  }
}

/** Where things are, for the person who just ran npm start / npm test. Passwords are masked, keys only named. */
export function describeStack(stack: Stack, config: Config): string[] {
  const temporal = [
    `namespace ${config.temporalNamespace}`,
    ...(config.temporalTls ? ['TLS'] : []),
    ...(config.temporalTlsCert === undefined ? [] : ['client certificate']),
    ...(config.temporalApiKey === undefined ? [] : ['API key']),
  ];
  return [
    ...(stack.temporalUiUrl === undefined ? [] : [`Temporal Web UI: ${stack.temporalUiUrl}`]),
    `Temporal: ${stack.temporalAddress} (${temporal.join(', ')})`,
    `PostgreSQL: ${maskUrlPassword(stack.databaseUrl)}`,
  ];
}
