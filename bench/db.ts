import { Client } from 'pg';
import { initORM, migrate } from '../db/orm';
import { databaseUrlFor } from '../db/database-url';

/** A plain node-postgres client: the measurements must not go through the ORM they measure. */
export async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

export async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates and drops the benchmark's databases on one server, and remembers what it created so
 * that a failed or interrupted run still drops them (a 1M-task clone is most of a gigabyte).
 */
export class Databases {
  private readonly created = new Set<string>();

  constructor(private readonly baseUrl: string) {}

  url(name: string): string {
    return databaseUrlFor(this.baseUrl, name);
  }

  /** An empty database with the service's migrations applied. */
  async createMigrated(name: string): Promise<string> {
    await this.admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await this.admin(`CREATE DATABASE ${name}`);
    this.created.add(name);
    const orm = await initORM(this.url(name), { poolMax: 2 });
    try {
      await migrate(orm);
    } finally {
      await orm.close();
    }
    return this.url(name);
  }

  /**
   * A copy of `template`, so every measurement starts from identical data. FILE_COPY copies the
   * files after a checkpoint instead of WAL-logging every block (the default since PostgreSQL 15),
   * which is several times faster for the large seeded databases.
   */
  async clone(template: string, name: string): Promise<string> {
    await this.admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    try {
      await this.admin(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY = FILE_COPY`);
    } catch (err) {
      // PostgreSQL before 15 has no STRATEGY (and always copies files).
      if ((err as { code?: unknown }).code !== '42601') throw err;
      await this.admin(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    }
    this.created.add(name);
    return this.url(name);
  }

  async drop(name: string): Promise<void> {
    await this.admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    this.created.delete(name);
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.created].reverse()) await this.drop(name);
  }

  async serverVersion(): Promise<string> {
    const { rows } = await withClient(this.url('postgres'), (c) =>
      c.query<{ v: string }>("SELECT current_setting('server_version') AS v"),
    );
    return rows[0]?.v ?? 'unknown';
  }

  private async admin(sql: string): Promise<void> {
    await withClient(this.url('postgres'), (client) => client.query(sql));
  }
}
