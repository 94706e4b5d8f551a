import type { SharedConfig } from '../config';

/** What the links need of the settings. */
type Config = Pick<SharedConfig, 'temporalUiUrl' | 'temporalNamespace'>;

export function scheduleUiUrl(config: Config, scheduleId: string): string {
  return `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.temporalNamespace)}/schedules/${encodeURIComponent(scheduleId)}`;
}

export function workflowUiUrl(config: Config, workflowId: string, runId: string | null | undefined): string {
  const base = `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

export function processesUiUrl(config: Config, processName: string): string {
  const query = encodeURIComponent(`BehflowProcess="${processName}"`);
  return `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.temporalNamespace)}/workflows?query=${query}`;
}
