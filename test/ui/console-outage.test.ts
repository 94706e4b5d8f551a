/**
 * The console when Temporal stops answering: a form whose service needs Temporal gets a 503 page
 * naming it, as the JSON API answers (api/plugins/error-handler.ts), not a generic 500; nothing changes.
 */
import { Client, Connection } from '@temporalio/client';
import { freezableProxy, type FreezableProxy } from '../api/frozen-proxy';
import { AUTH, buildTestApi, type TestApi } from '../api/helpers';
import { temporalAddress } from '../helpers/temporal';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const RESCHEDULE = 'reschedule_remaining_tasks';

let proxy: FreezableProxy;
let connection: Connection;
let api: TestApi;
beforeAll(async () => {
  proxy = await freezableProxy(temporalAddress());
  connection = await Connection.connect({ address: proxy.address });
  // Without API_TOKEN the console is open on loopback: no sign-in, its forms still need their CSRF token.
  api = await buildTestApi({ env: { API_TOKEN: '' }, client: () => new Client({ connection }) });
});
afterAll(async () => {
  proxy.thaw();
  await proxy.close();
  await connection.close();
  await api.close();
});

test('pausing from the console while Temporal does not answer: a 503 page saying Temporal cannot be reached, and the process unchanged', async () => {
  const page = await api.app.inject({ method: 'GET', url: `/ui/processes/${RESCHEDULE}` });
  expect(page.statusCode).toBe(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  expect(csrf).toBeDefined();
  const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

  proxy.freeze();
  const res = await api.app.inject({
    method: 'POST',
    url: `/ui/processes/${RESCHEDULE}/pause`,
    headers: { ...FORM, cookie },
    payload: new URLSearchParams({ note: 'during the outage', _csrf: csrf! }).toString(),
  });
  proxy.thaw();

  expect(res.statusCode).toBe(503);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.body).toContain('Temporal cannot be reached; try again later.');
  const view = await api.app.inject({ method: 'GET', url: `/processes/${RESCHEDULE}`, headers: AUTH });
  expect(view.json()).toMatchObject({ paused: false, pause_note: null });
});
