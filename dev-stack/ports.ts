import net from 'node:net';

/** Every service of the dev stack binds to loopback only; that is also where we probe. */
export const LOOPBACK = '127.0.0.1';

/** True when we can listen on host:port right now (the same test the Temporal CLI makes). */
export function isPortFree(port: number, host: string = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer().unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS considers free now. Another process could take it before we bind; callers accept that race. */
export function getFreePort(host: string = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The preferred port if it is free, otherwise any free port (substituted: true). */
export async function preferredOrFreePort(preferred: number, host: string = LOOPBACK) {
  if (await isPortFree(preferred, host)) return { port: preferred, substituted: false };
  return { port: await getFreePort(host), substituted: true };
}
