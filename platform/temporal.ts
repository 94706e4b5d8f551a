import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { SharedConfig } from '../config';
import { CUSTOM_SEARCH_ATTRIBUTES } from './search-attributes';

/** A client for the configured server; the caller closes `client.connection`. */
export async function connectClient(config: SharedConfig): Promise<Client> {
  const address = requireSetting(config.temporalAddress, 'TEMPORAL_ADDRESS');
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace: config.temporalNamespace });
}

const INDEXED_VALUE_TYPES = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
} as const;

/**
 * Registers our custom search attributes where they are missing. The dev server gets them from
 * --search-attribute; a server you run yourself gets them here, once.
 */
export async function ensureSearchAttributes(client: Client): Promise<void> {
  const { operatorService } = client.connection;
  const existing = await operatorService.listSearchAttributes({ namespace: client.options.namespace });
  const missing = Object.entries(CUSTOM_SEARCH_ATTRIBUTES).filter(
    ([name]) => !(name in (existing.customAttributes ?? {})),
  );
  if (missing.length === 0) return;
  await operatorService.addSearchAttributes({
    namespace: client.options.namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_VALUE_TYPES[type]])),
  });
}

export function requireSetting(value: string | undefined, variable: string): string {
  if (value === undefined) {
    throw new Error(
      `${variable} is not set. Run "npm start", which starts a local PostgreSQL and Temporal dev server, or set ${variable}.`,
    );
  }
  return value;
}
