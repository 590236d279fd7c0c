// Self-test of the test provider (node --test .ci/oidc/selftest.mjs): starts provider.mjs on a
// free port and drives it with plain HTTP requests, as a relying party's test would — the
// headless sign-in, PKCE, the ID token's claims and signature, userinfo, step-up by acr_values,
// key rotation, RP-initiated logout and the refusals.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const RP = 'http://127.0.0.1:8080/auth/callback';
let op;
let child;

before(async () => {
  child = spawn(process.execPath, [fileURLToPath(new URL('./provider.mjs', import.meta.url))], {
    env: { ...process.env, OIDC_PORT: '0', OIDC_ADMIN_TOKEN: 'admin-secret' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  op = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`provider exited ${code}`)));
  });
});

after(() => child.kill('SIGTERM'));

// A browser's worth of state: a cookie jar, and no automatic redirects.
class Agent {
  jar = new Map();

  async req(url, { method = 'GET', form, headers = {} } = {}) {
    const h = { ...headers };
    if (this.jar.size) h.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(new URL(url, op), { method, headers: h, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');
function pkce() {
  const verifier = b64url(crypto.randomBytes(32));
  return { verifier, challenge: b64url(crypto.createHash('sha256').update(verifier).digest()) };
}
const decode = (jwt) => jwt.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url')));

async function verify(jwt) {
  const [header] = decode(jwt);
  const { keys } = await (await fetch(`${op}/jwks`)).json();
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) return false;
  const [h, p, s] = jwt.split('.');
  return crypto.verify('sha256', Buffer.from(`${h}.${p}`), crypto.createPublicKey({ key: jwk, format: 'jwk' }),
    Buffer.from(s, 'base64url'));
}

// The whole front channel: authorization request, sign-in form, resume; answers the redirect.
async function authorize(agent, {
  client = 'yagona', account = 'citizen', acr, acrValues, scope = 'openid profile email phone pinfl',
  challenge, state = b64url(crypto.randomBytes(8)), nonce = b64url(crypto.randomBytes(8)), extra = {},
} = {}) {
  const q = new URLSearchParams({
    client_id: client, response_type: 'code', scope, redirect_uri: RP, state, nonce, ...extra,
  });
  if (challenge) {
    q.set('code_challenge', challenge);
    q.set('code_challenge_method', 'S256');
  }
  if (acrValues) q.set('acr_values', acrValues);
  let res = await agent.req(`/auth?${q}`);
  assert.equal(res.status, 303);
  let loc = res.headers.get('location');
  const signedIn = !loc.includes('/interaction/');
  if (!signedIn) {
    const page = await (await agent.req(loc)).text();
    assert.match(page, /name="account"/);
    const form = { account };
    if (acr) form.acr = acr;
    res = await agent.req(`${loc}/login`, { method: 'POST', form });
    assert.equal(res.status, 303, await res.text());
    res = await agent.req(res.headers.get('location'));
    loc = res.headers.get('location');
  }
  const url = new URL(loc, op);
  return { url, params: Object.fromEntries(url.searchParams), state, nonce, prompted: !signedIn };
}

async function token(form, basic = 'yagona:yagona-secret') {
  const headers = basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {};
  const res = await new Agent().req('/token', { method: 'POST', form: { grant_type: 'authorization_code', redirect_uri: RP, ...form }, headers });
  return { status: res.status, body: await res.json() };
}

test('code flow with PKCE: ID token with the custom claims, signed by a JWKS key; userinfo', async () => {
  const agent = new Agent();
  const { verifier, challenge } = pkce();
  const a = await authorize(agent, { challenge, acr: 'otp', acrValues: 'otp' });
  assert.equal(a.params.state, a.state);
  assert.equal(a.params.iss, op);
  const t = await token({ code: a.params.code, code_verifier: verifier });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  const [header, claims] = decode(t.body.id_token);
  assert.equal(header.alg, 'RS256');
  assert.ok(await verify(t.body.id_token));
  assert.equal(claims.iss, op);
  assert.equal(claims.aud, 'yagona');
  assert.equal(claims.nonce, a.nonce);
  assert.equal(claims.sub, 'citizen');
  assert.equal(claims.pinfl, '31505901234567');
  assert.equal(claims.acr, 'otp');
  assert.deepEqual(claims.amr, ['pwd', 'otp']);
  assert.equal(claims['family_name#uz-Cyrl'], 'Каримов');
  const info = await (await fetch(`${op}/me`, { headers: { authorization: `Bearer ${t.body.access_token}` } })).json();
  assert.equal(info.pinfl, '31505901234567');
  assert.equal(info.phone_number, '+998901234567');
  // A code is single use.
  const again = await token({ code: a.params.code, code_verifier: verifier });
  assert.equal(again.body.error, 'invalid_grant');
});

test('acr is in the ID token even without acr_values', async () => {
  const { verifier, challenge } = pkce();
  const a = await authorize(new Agent(), { challenge, account: 'minimal' });
  const t = await token({ code: a.params.code, code_verifier: verifier });
  const [, claims] = decode(t.body.id_token);
  assert.equal(claims.acr, 'password');
  assert.equal(claims.email, undefined);
});

test('public client: PKCE without a secret; a wrong verifier is refused', async () => {
  const { verifier, challenge } = pkce();
  const a = await authorize(new Agent(), { client: 'yagona-public', challenge });
  const bad = await token({ client_id: 'yagona-public', code: a.params.code, code_verifier: pkce().verifier }, null);
  assert.equal(bad.body.error, 'invalid_grant');
  const b = await authorize(new Agent(), { client: 'yagona-public', challenge });
  const ok = await token({ client_id: 'yagona-public', code: b.params.code, code_verifier: verifier }, null);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test('an authorization request without PKCE is refused', async () => {
  const res = await new Agent().req(`/auth?${new URLSearchParams({
    client_id: 'yagona', response_type: 'code', scope: 'openid', redirect_uri: RP, state: 's',
  })}`);
  const loc = new URL(res.headers.get('location'));
  assert.equal(loc.searchParams.get('error'), 'invalid_request');
});

test('single sign-on, and step-up when a stronger acr is asked for', async () => {
  const agent = new Agent();
  const first = await authorize(agent, { challenge: pkce().challenge, acr: 'password' });
  assert.ok(first.prompted);
  const sso = await authorize(agent, { challenge: pkce().challenge, acrValues: 'password' });
  assert.equal(sso.prompted, false, 'the session is reused');
  const { verifier, challenge } = pkce();
  const up = await authorize(agent, { challenge, acrValues: 'e-signature', acr: 'e-signature' });
  assert.ok(up.prompted, 'a weaker session is sent back to sign in');
  const [, claims] = decode((await token({ code: up.params.code, code_verifier: verifier })).body.id_token);
  assert.equal(claims.acr, 'e-signature');
  const weaker = await authorize(agent, { challenge: pkce().challenge, acrValues: 'otp' });
  assert.equal(weaker.prompted, false, 'a stronger session satisfies a weaker request');
});

test('the person cancels: access_denied at the redirect URI', async () => {
  const agent = new Agent();
  const res = await agent.req(`/auth?${new URLSearchParams({
    client_id: 'yagona', response_type: 'code', scope: 'openid', redirect_uri: RP, state: 's1',
    code_challenge: pkce().challenge, code_challenge_method: 'S256',
  })}`);
  const abort = await agent.req(`${res.headers.get('location')}/abort`, { method: 'POST', form: {} });
  const done = await agent.req(abort.headers.get('location'));
  const loc = new URL(done.headers.get('location'));
  assert.equal(loc.searchParams.get('error'), 'access_denied');
  assert.equal(loc.searchParams.get('state'), 's1');
});

test('signing keys rotate without a restart', async () => {
  const admin = { authorization: 'Bearer admin-secret' };
  assert.equal((await fetch(`${op}/admin/keys`)).status, 401);
  const before = await (await fetch(`${op}/admin/keys`, { headers: admin })).json();
  const agent = new Agent();
  let p = pkce();
  let a = await authorize(agent, { challenge: p.challenge });
  const oldToken = (await token({ code: a.params.code, code_verifier: p.verifier })).body.id_token;
  assert.equal(decode(oldToken)[0].kid, before.signing_kid);

  const rotated = await (await fetch(`${op}/admin/rotate`, { method: 'POST', headers: admin })).json();
  assert.notEqual(rotated.signing_kid, before.signing_kid);
  assert.deepEqual(rotated.kids.slice(1), before.kids);
  p = pkce();
  a = await authorize(agent, { challenge: p.challenge }); // the session survived the rotation
  assert.equal(a.prompted, false);
  const newToken = (await token({ code: a.params.code, code_verifier: p.verifier })).body.id_token;
  assert.equal(decode(newToken)[0].kid, rotated.signing_kid);
  assert.ok(await verify(newToken));
  assert.ok(await verify(oldToken), 'the previous key is still published');

  const retired = await (await fetch(`${op}/admin/rotate?retire=1`, { method: 'POST', headers: admin })).json();
  assert.deepEqual(retired.kids, [retired.signing_kid]);
  assert.equal(await verify(oldToken), false, 'a retired kid is no longer in the JWKS');
});

test('/admin/sign answers a JWT signed with the current key', async () => {
  const res = await fetch(`${op}/admin/sign`, {
    method: 'POST', headers: { authorization: 'Bearer admin-secret' },
    body: JSON.stringify({ sub: 'citizen', aud: 'yagona', nonce: 'wrong', exp: 1 }),
  });
  const { jwt } = await res.json();
  assert.ok(await verify(jwt));
  assert.equal(decode(jwt)[1].nonce, 'wrong');
});

test('RP-initiated logout ends the session and returns to the post-logout URI', async () => {
  const agent = new Agent();
  const p = pkce();
  const a = await authorize(agent, { challenge: p.challenge });
  const idToken = (await token({ code: a.params.code, code_verifier: p.verifier })).body.id_token;
  const page = await (await agent.req(`/session/end?${new URLSearchParams({
    id_token_hint: idToken, post_logout_redirect_uri: 'http://127.0.0.1:8080/', state: 'bye',
  })}`)).text();
  const xsrf = page.match(/name="xsrf" value="([^"]+)"/)[1];
  const res = await agent.req('/session/end/confirm', { method: 'POST', form: { xsrf, logout: 'yes' } });
  assert.equal(res.headers.get('location'), 'http://127.0.0.1:8080/?state=bye');
  const next = await authorize(agent, { challenge: pkce().challenge });
  assert.ok(next.prompted, 'signed out: the next request asks to sign in');
});
