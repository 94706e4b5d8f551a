import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../config';
import { connectClient } from '../../platform/temporal';
import { temporalConnectionOptions } from '../../platform/temporal-connection';
import { temporalAddress } from '../helpers/temporal';

/* The connection options on the real (plain-text) dev server: what the client and the worker get. */

const plain = () => loadConfig({ TEMPORAL_ADDRESS: temporalAddress() }, []);

describe('the connections to Temporal', () => {
  it('with TLS unset, the client and the worker connect to the plain dev server', async () => {
    const client = await connectClient(plain());
    try {
      const info = await client.workflowService.getSystemInfo({});
      expect(info.serverVersion).toEqual(expect.any(String));
    } finally {
      await client.connection.close();
    }
    const worker = await NativeConnection.connect(temporalConnectionOptions(plain()));
    await worker.close();
  });

  it('with TEMPORAL_TLS=true the same server is refused: the setting reaches the connection', async () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TLS: 'true' }, []);
    await expect(Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: '5s' })).rejects.toThrow();
    await expect(NativeConnection.connect(temporalConnectionOptions(config))).rejects.toThrow();
  });
});
