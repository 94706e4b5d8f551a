import { status as GrpcStatus } from '@grpc/grpc-js';
import { ServiceError } from '@temporalio/client';

/**
 * Error codes that mean PostgreSQL cannot be reached (yet): the network's, "the database system is
 * starting up / shutting down" (57P01, 57P03), and the connection-exception class (08…).
 */
const POSTGRES_UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/**
 * Which server an error says cannot be reached, if that is what it says: the one classifier of
 * connection failures. Start-up waits on these; the API answers them with 503 naming the server.
 */
export function unreachableServer(err: unknown): 'PostgreSQL' | 'Temporal' | undefined {
  if (err instanceof ServiceError) {
    const code = (err.cause as { code?: unknown } | undefined)?.code;
    return code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED ? 'Temporal' : undefined;
  }
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof e.code === 'string' && POSTGRES_UNREACHABLE.has(e.code)) return 'PostgreSQL';
  if (e.name === 'ConnectionException') return 'PostgreSQL';
  if (typeof e.message !== 'string') return undefined;
  if (/Connection terminated|timeout exceeded when trying to connect/i.test(e.message)) return 'PostgreSQL';
  // The native (Rust) connection of the worker and Connection.connect say this when Temporal is down.
  if (err instanceof Error && /Failed to connect/.test(e.message)) return 'Temporal';
  return undefined;
}
