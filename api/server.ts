/** The real server's options (logging, redaction, timeouts) and where it listens; bin/api.ts runs it. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config';
import { buildApp, type App } from './app';
import type { AppDeps } from './deps';

/**
 * Never logged: the token in the Authorization header (wherever a request's headers end up in a log
 * line), cookies, and the token and Temporal API key in the config. The req serializer leaves
 * headers out anyway.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'apiToken',
  '*.apiToken',
  '*.config.apiToken',
  'temporalApiKey',
  '*.temporalApiKey',
  '*.config.temporalApiKey',
];

/** Health checks poll; their lines would drown the rest. */
const QUIET_PATHS = new Set(['/health', '/ready']);

/** A caller's X-Request-Id is kept when it is a plain identifier; otherwise each request gets a UUID. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Fastify options of the real server (tests build the app with them to check what the log holds). */
export function serverOptions(
  config: Pick<Config, 'logLevel' | 'apiTrustProxy'>,
  stream?: { write(line: string): void },
): FastifyServerOptions {
  return {
    logger: {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      ...(stream === undefined ? {} : { stream }),
    },
    logController: new LogController({
      disableRequestLogging: (request) => QUIET_PATHS.has(request.url.split('?')[0] ?? ''),
    }),
    genReqId: requestId,
    // Time to receive a whole request (headers and body); slow senders are cut off, slow answers are not
    // (POST /processes/:name/trigger?wait=true waits for the run).
    requestTimeout: 30_000,
    // Closing: idle keep-alive connections go at once, requests in flight finish.
    forceCloseConnections: 'idle',
    trustProxy: config.apiTrustProxy,
  };
}

export async function buildServer(deps: AppDeps, stream?: { write(line: string): void }): Promise<App> {
  return buildApp(deps, serverOptions(deps.config, stream));
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/i;

/** Where to listen: API_HOST, except loopback only when there is no token to check. */
export function listenAddress(config: Pick<Config, 'apiHost' | 'apiToken'>): { host: string; open: boolean } {
  if (config.apiToken !== undefined) return { host: config.apiHost, open: false };
  return { host: LOOPBACK.test(config.apiHost) ? config.apiHost : '127.0.0.1', open: true };
}

export function publicUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
