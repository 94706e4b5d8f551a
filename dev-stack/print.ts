import type { Config } from '../config';
import type { Stack } from './index';
import { maskUrlPassword } from './redact';

/** Where things are, for the person who just ran npm start / npm test. Passwords are masked. */
export function describeStack(stack: Stack, config: Config): string[] {
  return [
    ...(stack.temporalUiUrl === undefined ? [] : [`Temporal Web UI: ${stack.temporalUiUrl}`]),
    `Temporal: ${stack.temporalAddress} (namespace ${config.temporalNamespace})`,
    `PostgreSQL: ${maskUrlPassword(stack.databaseUrl)}`,
  ];
}
