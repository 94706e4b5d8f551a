import net from 'node:net';
import fs from 'node:fs';
import { getFreePort, isPortFree, preferredOrFreePort } from '../../dev-stack/ports';

function occupy(): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      resolve({ port: address.port, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

describe('port selection', () => {
  it('chooses free ports below the ephemeral range, where no bind(0) of another program lands', async () => {
    const low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 20 }, () => getFreePort()));
    for (const port of ports) {
      expect(port).toBeLessThan(low);
      expect(await isPortFree(port)).toBe(true);
    }
  });

  it('keeps the preferred port when it is free', async () => {
    const port = await getFreePort();
    await expect(preferredOrFreePort(port)).resolves.toEqual({ port, substituted: false });
  });

  it('picks another free port when the preferred one is taken, and says so', async () => {
    const taken = await occupy();
    try {
      expect(await isPortFree(taken.port)).toBe(false);
      const choice = await preferredOrFreePort(taken.port);
      expect(choice.substituted).toBe(true);
      expect(choice.port).not.toBe(taken.port);
      expect(await isPortFree(choice.port)).toBe(true);
    } finally {
      await taken.close();
    }
  });

  it('sees a port taken on all interfaces as taken on loopback', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    try {
      expect(await isPortFree((server.address() as net.AddressInfo).port)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
