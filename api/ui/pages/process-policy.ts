import { AUTO, type NotifyChannel, type ProcessPolicy } from '../../../config/policy';
import { channelKind, channelLabel } from '../../../activities/notifications/channels';
import type { ProcessView } from '../../schemas/process';
import { html, type SafeHtml } from '../html';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function retryText(policy: ProcessPolicy): string {
  const r = policy.retry;
  return (
    `up to ${plural(r.max_attempts, 'attempt')} of the work; the first retry after ${r.initial_interval_seconds} s, ` +
    `each wait ×${r.backoff}, at most ${r.max_interval_seconds} s`
  );
}

function rerunText(policy: ProcessPolicy): string {
  const r = policy.rerun_failed;
  return r.max_runs === 0
    ? 'none (a failed run is not run again automatically)'
    : `up to ${plural(r.max_runs, 'rerun')} of a failed run, for its local day, ${r.delay_minutes} min after it failed`;
}

function timeoutText(policy: ProcessPolicy): string {
  const t = policy.timeouts;
  return `a run ${t.run_seconds} s; one attempt of the work ${t.activity_seconds} s; heartbeat ${t.heartbeat_seconds} s`;
}

/**
 * A channel by kind and label, never by a secret: the same label the outbox and
 * GET /processes/:name/notifications use (a webhook's URL without its query, Slack by name only).
 */
function channelRow(channel: NotifyChannel): SafeHtml {
  const kind = channelKind(channel);
  const note =
    kind === 'webhook'
      ? 'signed with a secret (not shown)'
      : kind === 'slack'
        ? 'incoming-webhook URL (a secret, not shown)'
        : '';
  return html`<tr>
    <th scope="row">${kind}</th>
    <td data-label="Sends to">
      ${channelLabel(channel)}${note ? html`<br /><span class="muted">${note}</span>` : null}
    </td>
    <td data-label="On">${channel.on.join(', ')}</td>
  </tr>`;
}

function chainsText(view: ProcessView): string {
  const after = view.after.map((a) => `after ${a.process} (${a.on})`);
  const requires = view.requires.map((r) => `requires ${r.process} the same local day`);
  return [...after, ...requires].join('; ') || 'none';
}

/** The process's failure policy, run limits and notification channels, as stored; secrets never shown. */
export function policySection(view: ProcessView): SafeHtml {
  const policy = view.policy;
  return html`<h2 id="policy">Policy</h2>
    <dl class="facts" id="policy-facts">
      <dt>Retries</dt>
      <dd>${retryText(policy)}</dd>
      <dt>Reruns of failed runs</dt>
      <dd>${rerunText(policy)}</dd>
      <dt>Timeouts</dt>
      <dd>${timeoutText(policy)}</dd>
      <dt>Alert after</dt>
      <dd>${plural(policy.alert_after_consecutive_failures, 'consecutive failure')}</dd>
      <dt>Unusual run</dt>
      <dd>
        ${
          policy.unusual.max_moved === null
            ? 'none moved when runs usually move some'
            : `more than ${policy.unusual.max_moved} tasks moved, or none when runs usually move some`
        }
      </dd>
      <dt>Partitions</dt>
      <dd>${partitionsText(policy.partitions)}</dd>
      <dt>Concurrency</dt>
      <dd>
        ${plural(view.concurrency.limit, 'run')} at once${view.concurrency.key ? ` per ${view.concurrency.key}` : ''};
        when reached: ${view.overlap}
      </dd>
      <dt>Chains</dt>
      <dd>${chainsText(view)}</dd>
    </dl>
    <h3>Notifications</h3>
    ${
      policy.notify.length === 0
        ? html`<p class="muted" id="no-channels">No notification channels.</p>`
        : html`<div class="table-wrap">
            <table class="stack" id="channels">
              <caption>
                Notification channels
              </caption>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Sends to</th>
                  <th scope="col">On</th>
                </tr>
              </thead>
              <tbody>
                ${policy.notify.map(channelRow)}
              </tbody>
            </table>
          </div>`
    }`;
}

function partitionsText(partitions: ProcessPolicy['partitions']): string {
  if (partitions === AUTO) return 'auto: walks side by side when the overdue count makes it worth it';
  return partitions === 1 ? 'one walk of the table per run' : `${partitions} walks of the table side by side per run`;
}
