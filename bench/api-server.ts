import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { buildApp, type App } from '../api/app';
import type { Config } from '../config';
import type { Orm } from '../db/orm';
import { PROCESS_REGISTRY } from '../processes/registry';

export interface ListeningApi {
  readonly app: App;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * The real API (buildApp, as api/server.ts builds it) listening on a loopback port, so requests go
 * through a real socket, HTTP parsing and all. No API_TOKEN in the config: auth is off, as it is
 * for a loopback-only server. Request logging off: it is not what is measured.
 */
export async function listenApi(orm: Orm, client: Client, config: Config): Promise<ListeningApi> {
  const app = await buildApp({ orm, client, config, registry: PROCESS_REGISTRY }, { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** Whether the route the trigger sections need is there (it is being written beside this). */
export function hasTriggerRoute(app: App): boolean {
  return app.hasRoute({ method: 'POST', url: '/processes/:name/trigger' });
}
