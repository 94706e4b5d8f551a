import { Client } from 'pg';
import { initORM, migrate } from '../../db/orm';
import { seedTasks } from '../seed';
import { startOfDay, localDateAt } from '../../time';

async function main() {
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS exp_tpl');
  await admin.query('CREATE DATABASE exp_tpl');
  const url = 'postgres://postgres@127.0.0.1:5432/exp_tpl';
  const orm = await initORM(url, { poolMax: 2 });
  await migrate(orm);
  await orm.close();
  const pg = new Client({ connectionString: url });
  await pg.connect();
  const n = Number(process.argv[2] ?? 100000);
  const dayStartMs = startOfDay('UTC', localDateAt('UTC', Date.now()));
  await seedTasks(pg, { overdue: n, notOverdue: n, users: 1000, dayStartMs });
  await pg.query(`INSERT INTO automated_processes (name, trigger_type, schedule_config, process_config) VALUES ('r','time_based','{"hour":0,"minute":0,"timezone":"UTC"}','{}')`);
  await pg.query(`INSERT INTO automated_process_executions (execution_id, process_id, status, started_at, trigger, workflow_id) SELECT '11111111-1111-4111-8111-111111111111', process_id, 'running', now(), 'manual','x' FROM automated_processes`);
  console.log('dayStart', new Date(dayStartMs).toISOString());
  await pg.end(); await admin.end();
}
main().catch((e) => { console.error(e); process.exit(1); });
