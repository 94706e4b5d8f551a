/**
 * The console's security without a browser (app.inject): the sign-in rate limit, the JSON API's
 * bearer check unchanged, the narrow form exemption, Secure cookies behind https, and the console
 * open on loopback without API_TOKEN (its forms still need their CSRF token).
 */
import { AUTH, buildTestApi, TEST_TOKEN, type TestApi } from '../api/helpers';
import { SIGN_IN_ATTEMPTS_PER_MINUTE } from '../../api/ui';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let guarded: TestApi;
let open: TestApi;

beforeAll(async () => {
  [guarded, open] = await Promise.all([
    buildTestApi({ server: { trustProxy: true } }),
    buildTestApi({ env: { API_TOKEN: '' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([guarded?.close(), open?.close()]);
});

interface FormSession {
  cookie: string;
  csrf: string;
}

/** A page's CSRF token and the cookies that go with it, as a browser would hold them. */
async function formSession(api: TestApi, url: string, headers: Record<string, string> = {}): Promise<FormSession> {
  const res = await api.app.inject({ method: 'GET', url, headers });
  expect(res.statusCode).toBe(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  expect(csrf).toBeDefined();
  const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return { cookie: [headers.cookie, cookie].filter(Boolean).join('; '), csrf: csrf! };
}

function signIn(api: TestApi, session: FormSession, token: string, remoteAddress = '127.0.0.1') {
  return api.app.inject({
    method: 'POST',
    url: '/ui/sign-in',
    remoteAddress,
    headers: { ...FORM, cookie: session.cookie },
    payload: new URLSearchParams({ token, _csrf: session.csrf }).toString(),
  });
}

describe('with API_TOKEN', () => {
  test(`the ${SIGN_IN_ATTEMPTS_PER_MINUTE + 1}th sign-in attempt from one address in a minute is refused with 429`, async () => {
    const session = await formSession(guarded, '/ui/sign-in');
    const statuses: number[] = [];
    for (let i = 0; i <= SIGN_IN_ATTEMPTS_PER_MINUTE; i++) {
      statuses.push((await signIn(guarded, session, 'wrong', '10.9.9.9')).statusCode);
    }
    expect(statuses).toEqual([...Array<number>(SIGN_IN_ATTEMPTS_PER_MINUTE).fill(401), 429]);
    // Even the right token waits out the minute from that address; another address is not held back.
    expect((await signIn(guarded, session, TEST_TOKEN, '10.9.9.9')).statusCode).toBe(429);
    expect((await signIn(guarded, session, TEST_TOKEN, '10.9.9.10')).statusCode).toBe(303);
    // Only the sign-in post is limited.
    const pages = await Promise.all(
      Array.from({ length: 12 }, () =>
        guarded.app.inject({ method: 'GET', url: '/ui/sign-in', remoteAddress: '10.9.9.9' }),
      ),
    );
    expect(pages.map((p) => p.statusCode)).toEqual(Array<number>(12).fill(200));
  });

  test('behind an https proxy (X-Forwarded-Proto, trustProxy) the session cookie is Secure', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    const res = await guarded.app.inject({ method: 'GET', url: '/ui/sign-in', headers: https });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)![1]!;
    expect(res.cookies[0]).toMatchObject({ name: 'behflow_csrf', secure: true, httpOnly: true, sameSite: 'Strict' });
    const signedIn = await guarded.app.inject({
      method: 'POST',
      url: '/ui/sign-in',
      remoteAddress: '10.1.1.1',
      headers: { ...FORM, ...https, cookie: `behflow_csrf=${res.cookies[0]!.value}` },
      payload: new URLSearchParams({ token: TEST_TOKEN, _csrf: csrf }).toString(),
    });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.cookies.find((c) => c.name === 'behflow_session')).toMatchObject({
      secure: true,
      httpOnly: true,
      sameSite: 'Strict',
    });
  });

  test('a forged or expired-format session cookie does not open the console', async () => {
    for (const cookie of [
      'behflow_session=v1.1700000000000',
      'behflow_session=v1.9999999999999.forged',
      'behflow_session=v2.1700000000000.00000000-0000-4000-8000-000000000000.forged',
    ]) {
      const res = await guarded.app.inject({ method: 'GET', url: '/ui', headers: { cookie } });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/ui/sign-in');
    }
    const post = await guarded.app.inject({
      method: 'POST',
      url: '/ui/processes/archive_completed_tasks/pause',
      headers: FORM,
      payload: '_csrf=x',
    });
    expect(post.statusCode).toBe(401);
  });

  test('after sign-out a copy of the session cookie no longer opens the console; another session still does', async () => {
    async function newSession(): Promise<string> {
      const form = await formSession(guarded, '/ui/sign-in');
      const res = await signIn(guarded, form, TEST_TOKEN, '10.8.8.8');
      expect(res.statusCode).toBe(303);
      const session = res.cookies.find((c) => c.name === 'behflow_session')!;
      return `${form.cookie}; behflow_session=${session.value}`;
    }
    const copied = await newSession();
    const other = await newSession();
    const open = (cookie: string) => guarded.app.inject({ method: 'GET', url: '/ui', headers: { cookie } });
    expect((await open(copied)).statusCode).toBe(200);

    const page = await formSession(guarded, '/ui', { cookie: copied });
    const out = await guarded.app.inject({
      method: 'POST',
      url: '/ui/sign-out',
      headers: { ...FORM, cookie: page.cookie },
      payload: new URLSearchParams({ _csrf: page.csrf }).toString(),
    });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/ui/sign-in');

    const replayed = await open(copied);
    expect(replayed.statusCode).toBe(303);
    expect(replayed.headers.location).toBe('/ui/sign-in');
    expect((await open(other)).statusCode).toBe(200);
  });

  test('the JSON API keeps its bearer token and its JSON-only writes; a session cookie is no bearer token', async () => {
    const session = await formSession(guarded, '/ui/sign-in');
    const signedIn = await signIn(guarded, session, TEST_TOKEN, '10.2.2.2');
    const cookie = signedIn.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const read = await guarded.app.inject({ method: 'GET', url: '/processes', headers: { cookie } });
    expect(read.statusCode).toBe(401);
    const formWrite = await guarded.app.inject({
      method: 'POST',
      url: '/processes/archive_completed_tasks/pause',
      headers: { ...AUTH, ...FORM },
      payload: 'note=x',
    });
    expect(formWrite.statusCode).toBe(415);
    // The security headers are the console's: the JSON API's answers are as before.
    const health = await guarded.app.inject({ method: 'GET', url: '/health' });
    expect(health.headers['content-security-policy']).toBeUndefined();
  });
});

describe('without API_TOKEN (loopback only)', () => {
  test('the console is open without sign-in; /ui/sign-in leads to it; no sign-out button', async () => {
    const page = await open.app.inject({ method: 'GET', url: '/ui' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('reschedule_remaining_tasks');
    expect(page.body).toContain('archive_completed_tasks');
    expect(page.body).not.toContain('Sign out');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const signInPage = await open.app.inject({ method: 'GET', url: '/ui/sign-in' });
    expect(signInPage.statusCode).toBe(303);
    expect(signInPage.headers.location).toBe('/ui');
  });

  test('a pause form without its CSRF token is refused (403), with it the process pauses', async () => {
    const url = '/ui/processes/archive_completed_tasks';
    const session = await formSession(open, url);
    const forged = await open.app.inject({
      method: 'POST',
      url: `${url}/pause`,
      headers: { ...FORM, cookie: session.cookie },
      payload: 'note=forged',
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.headers['content-type']).toContain('text/html');
    const state = await open.app.inject({ method: 'GET', url: '/processes/archive_completed_tasks' });
    expect(state.json()).toMatchObject({ paused: false });

    const real = await open.app.inject({
      method: 'POST',
      url: `${url}/pause`,
      headers: { ...FORM, cookie: session.cookie },
      payload: new URLSearchParams({ note: 'from the console', _csrf: session.csrf }).toString(),
    });
    expect(real.statusCode).toBe(303);
    const paused = await open.app.inject({ method: 'GET', url: '/processes/archive_completed_tasks' });
    expect(paused.json()).toMatchObject({ paused: true, pause_note: 'from the console' });
  });

  test('a DNS-rebinding host or a cross-site origin is refused on the console as on the API', async () => {
    const rebinding = await open.app.inject({ method: 'GET', url: '/ui', headers: { host: 'evil.example:3000' } });
    expect(rebinding.statusCode).toBe(403);
    const crossSite = await open.app.inject({
      method: 'POST',
      url: '/ui/processes/archive_completed_tasks/resume',
      headers: { ...FORM, origin: 'https://evil.example' },
      payload: '_csrf=x',
    });
    expect(crossSite.statusCode).toBe(403);
  });

  test('bad input on a console form is a 400 page naming the rule, not a 500', async () => {
    const url = '/ui/processes/archive_completed_tasks';
    const session = await formSession(open, url);
    const res = await open.app.inject({
      method: 'POST',
      url: `${url}/pause`,
      headers: { ...FORM, cookie: session.cookie },
      payload: new URLSearchParams({ note: 'x'.repeat(501), _csrf: session.csrf }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Bad input');
    const missing = await open.app.inject({ method: 'GET', url: '/ui/processes/no_such_process' });
    expect(missing.statusCode).toBe(404);
  });
});
