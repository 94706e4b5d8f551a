import fs from 'node:fs';
import net from 'node:net';

/** Every service of the dev stack binds to loopback only; that is also where we probe. */
export const LOOPBACK = '127.0.0.1';

/** Listens on host:port (0: any free one), closes again, and resolves with the port it had. */
function probe(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().unref();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

/** True when we can listen on host:port right now (the same test the Temporal CLI makes). */
export const isPortFree = async (port: number, host = LOOPBACK) => (await probe(port, host).catch(() => 0)) > 0;

/**
 * The kernel's ephemeral range: where bind(0) draws from, ours and every other program's. The Temporal
 * CLI picks its internal ports (history, matching, worker, metrics) there, so a port we chose there and
 * released could be handed to it before the server we chose it for binds it.
 */
export function ephemeralPortRange(): { low: number; high: number } {
  try {
    const [low, high] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high))
      return { low, high };
  } catch {
    // not Linux: fall through to IANA's dynamic range, which macOS and Windows use
  }
  return { low: 49152, high: 65535 };
}

/** Below the ephemeral range: ports no bind(0) hands out, probed at random. */
const FIXED_RANGE_FLOOR = 10_000;

/**
 * A port free now and outside the ephemeral range, so no other program's bind(0) can take it before our
 * server binds it (an unlucky draw made the CI's Temporal dev server panic at start). A process that
 * chooses the same number at the same moment remains a race, as it is for any fixed port.
 */
export async function getFreePort(host = LOOPBACK): Promise<number> {
  const { low } = ephemeralPortRange();
  if (low - FIXED_RANGE_FLOOR >= 1000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = FIXED_RANGE_FLOOR + Math.floor(Math.random() * (low - FIXED_RANGE_FLOOR));
      if (await isPortFree(port, host)) return port;
    }
  }
  return probe(0, host);
}

/** The preferred port if it is free, otherwise any free port (substituted: true). */
export async function preferredOrFreePort(preferred: number, host: string = LOOPBACK) {
  if (await isPortFree(preferred, host)) return { port: preferred, substituted: false };
  return { port: await getFreePort(host), substituted: true };
}
