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

/** A port the OS considers free now. Another process could take it before we bind; callers accept that race. */
export const getFreePort = (host = LOOPBACK) => probe(0, host);

/** The preferred port if it is free, otherwise any free port (substituted: true). */
export async function preferredOrFreePort(preferred: number, host: string = LOOPBACK) {
  if (await isPortFree(preferred, host)) return { port: preferred, substituted: false };
  return { port: await getFreePort(host), substituted: true };
}
