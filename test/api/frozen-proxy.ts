import net from 'node:net';

export interface FreezableProxy {
  readonly address: string;
  /** From now on bytes go nowhere: connections stay open and nothing is ever answered. */
  freeze(): void;
  /** Answers again; the connections that lost bytes while frozen are closed, so clients reconnect. */
  thaw(): void;
  close(): Promise<void>;
}

/** A TCP proxy to `target` (host:port) that can be made to accept and hold connections without answering. */
export async function freezableProxy(target: string): Promise<FreezableProxy> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host, port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (chunk) => frozen || upstream.write(chunk));
    upstream.on('data', (chunk) => frozen || client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: listening } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${listening}`,
    freeze: () => (frozen = true),
    thaw() {
      frozen = false;
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
