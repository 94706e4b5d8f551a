import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { SharedConfig } from '../config';
import { requireSetting } from './require-setting';
import { CUSTOM_SEARCH_ATTRIBUTES } from './search-attributes';
import { temporalConnectionOptions } from './temporal-connection';
import type { Tracing } from './tracing';

/**
 * A client for the configured server (its TLS and API key included); the caller closes
 * `client.connection`. With tracing, starting, signalling and updating a workflow continue the
 * caller's trace.
 */
export async function connectClient(config: SharedConfig, tracing?: Tracing): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  return new Client({
    connection,
    namespace: config.temporalNamespace,
    ...(tracing === undefined ? {} : { interceptors: tracing.clientInterceptors }),
  });
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

export { requireSetting };
