/**
 * The compose stack's Prometheus and Grafana (deploy/): read, since no Docker engine runs here. The
 * PromQL of the alerts and the dashboard is parsed by Prometheus's own grammar (@prometheus-io/lezer-promql).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { loadConfig } from '../../config';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { ROOT } from './config-variables';

interface Service {
  readonly image?: string;
  readonly command?: string[];
  readonly entrypoint?: string[];
  readonly environment?: Record<string, string>;
  readonly volumes?: string[];
  readonly tmpfs?: string[];
  readonly ports?: string[];
  readonly build?: string;
}
interface ScrapeConfig {
  readonly job_name: string;
  readonly metrics_path?: string;
  readonly authorization?: { type?: string; credentials_file?: string; credentials?: string };
  readonly static_configs?: { targets: string[] }[];
  readonly dns_sd_configs?: { names: string[]; type: string; port: number }[];
}
interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const { services } = compose;
const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as {
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
};
const rules = (
  parse(read('deploy/prometheus/alerts.yml')) as { groups: { name: string; rules: Rule[] }[] }
).groups.flatMap((group) => group.rules);
const job = (name: string) => prometheus.scrape_configs.find((config) => config.job_name === name);

/** Where the prometheus service has a host path of this repository mounted, by container path. */
function mounted(service: Service, containerPath: string): string | undefined {
  const volume = service.volumes?.find((v) => v.split(':')[1] === containerPath);
  return volume?.split(':')[0];
}

/** The syntax errors Prometheus's grammar finds in a PromQL expression (empty: it parses). */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`);
    },
  });
  return errors;
}

/** The metric names an expression selects (identifiers followed by `{`, `[` or an operator, not functions). */
function metricNames(expr: string): string[] {
  const names: string[] = [];
  const tree = parser.parse(expr);
  tree.iterate({
    enter(node) {
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        names.push(expr.slice(node.from, node.to));
      }
    },
  });
  return names;
}

/** Every metric name the API's /metrics defines (api/services/metrics/collector.ts). */
const API_METRICS = [...read('api/services/metrics/collector.ts').matchAll(/'(behflow_\w+)'/g)].map((m) => m[1]);

describe('Prometheus in docker-compose.yml', () => {
  const service = services.prometheus!;

  it('runs a pinned prom/prometheus with deploy/prometheus as its configuration', () => {
    expect(service.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(mounted(service, '/etc/prometheus')).toBe('./deploy/prometheus');
    expect(service.command?.join('\n')).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(service.ports).toEqual(['127.0.0.1:9090:9090']);
  });

  it("scrapes the API's /metrics with a bearer token from a file: METRICS_TOKEN, else API_TOKEN", () => {
    const api = job('behflow-api');
    expect(api?.static_configs).toEqual([{ targets: [`api:${services.api?.environment?.API_PORT}`] }]);
    expect(api?.metrics_path).toBe('/metrics');
    expect(api?.authorization?.type).toBe('Bearer');
    expect(api?.authorization?.credentials).toBeUndefined();
    const file = api?.authorization?.credentials_file ?? '';
    // The file is written at start on a tmpfs, from the variable, which is then unset.
    expect(service.tmpfs).toContain(path.dirname(file));
    expect(service.command?.join('\n')).toContain(`printf '%s' "$$METRICS_TOKEN" > ${file}`);
    expect(service.command?.join('\n')).toMatch(/unset METRICS_TOKEN\nexec \/bin\/prometheus /);
    expect(service.environment?.METRICS_TOKEN).toBe('${METRICS_TOKEN:-${API_TOKEN}}');
  });

  it('scrapes every worker service on the port its WORKER_METRICS_PORT sets', () => {
    const workerJob = job('behflow-worker');
    const workers = Object.entries(services)
      .filter(([, s]) => s.build === '.' && s.command === undefined) // the image's CMD: the worker
      .map(([name]) => name);
    expect(workers).toContain('worker');
    const scraped = workerJob?.dns_sd_configs?.flatMap((config) => config.names.map((name) => [name, config.port]));
    for (const name of workers) {
      const env = { WORKER_METRICS_PORT: services[name]?.environment?.WORKER_METRICS_PORT };
      const port = loadConfig(env, PROCESS_REGISTRY, ['worker']).workerMetricsPort;
      expect(port).toBeDefined();
      expect(scraped).toContainEqual([name, port]);
    }
  });
});

describe('deploy/prometheus/alerts.yml', () => {
  it('has the alerts: no successful run today, run failed, lateness above 60 s', () => {
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['BehflowNoSuccessfulRunToday', 'BehflowRunFailed', 'BehflowScheduleLate']),
    );
    const byName = Object.fromEntries(rules.map((rule) => [rule.alert, rule]));
    expect(byName.BehflowNoSuccessfulRunToday?.expr).toMatch(
      /time\(\) - .*behflow_process_last_success_timestamp_seconds/,
    );
    expect(byName.BehflowRunFailed?.expr).toMatch(/increase\(behflow_runs_total\{status="failed"\}/);
    expect(byName.BehflowScheduleLate?.expr).toContain('behflow_schedule_lateness_seconds_bucket{le="60"}');
  });

  it.each(rules.map((rule) => [rule.alert, rule] as const))(
    '%s parses as PromQL, on metrics /metrics has',
    (_, rule) => {
      expect(promqlErrors(rule.expr)).toEqual([]);
      const names = metricNames(rule.expr);
      expect(names.length).toBeGreaterThan(0);
      expect(
        names.filter(
          (name) => name !== 'up' && !API_METRICS.some((metric) => name === metric || name.startsWith(`${metric}_`)),
        ),
      ).toEqual([]);
      expect(rule.annotations?.summary).toEqual(expect.any(String));
      expect(rule.labels?.severity).toMatch(/^(warning|critical)$/);
    },
  );

  it('is checked by a grammar that does refuse bad PromQL', () => {
    expect(promqlErrors('sum(rate(behflow_runs_total[5m])')).not.toEqual([]);
    expect(promqlErrors('behflow_runs_total{status="failed"')).not.toEqual([]);
  });
});

describe('Grafana', () => {
  const service = services.grafana!;
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/behflow-processes.json')) as {
    uid: string;
    panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
  };
  const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
    datasources: { uid: string; url: string; type: string }[];
  };
  const providers = parse(read('deploy/grafana/provisioning/dashboards/behflow.yml')) as {
    providers: { options: { path: string } }[];
  };

  it('runs a pinned grafana/grafana provisioned from deploy/grafana, on loopback', () => {
    expect(service.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    expect(mounted(service, '/etc/grafana/provisioning')).toBe('./deploy/grafana/provisioning');
    expect(mounted(service, providers.providers[0]?.options.path ?? '')).toBe('./deploy/grafana/dashboards');
    expect(service.ports?.every((port) => port.startsWith('127.0.0.1:'))).toBe(true);
  });

  it('points its datasource at the prometheus service, and every panel at that datasource', () => {
    expect(datasources.datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
    const uid = datasources.datasources[0]?.uid;
    expect(dashboard.panels.length).toBeGreaterThan(5);
    expect(dashboard.panels.filter((panel) => panel.datasource.uid !== uid).map((p) => p.title)).toEqual([]);
  });

  it("queries in PromQL that parses, the API's behflow_* and the worker's temporal_*", () => {
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    for (const expr of exprs) expect([expr, promqlErrors(expr)]).toEqual([expr, []]);
    const names = new Set(exprs.flatMap(metricNames));
    const unknown = [...names].filter(
      (name) => !name.startsWith('temporal_') && !API_METRICS.some((m) => name === m || name.startsWith(`${m}_`)),
    );
    expect(unknown).toEqual([]);
    expect([...names].some((name) => name.startsWith('temporal_'))).toBe(true);
    // Every metric of the API is on the dashboard or in an alert.
    const alerting = rules.flatMap((rule) => metricNames(rule.expr));
    const used = [...names, ...alerting];
    expect(API_METRICS.filter((m) => !used.some((name) => name === m || name.startsWith(`${m}_`)))).toEqual([]);
  });
});
