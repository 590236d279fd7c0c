// A real OpenID provider for Yagona's sign-in tests: panva's certified `oidc-provider`
// (pinned in package.json), run as a standalone server on 127.0.0.1.
//
// It is not a mock: discovery, authorization, token, userinfo, JWKS, introspection,
// revocation and RP-initiated logout are oidc-provider's own. This script only supplies
// what every deployment of oidc-provider must supply itself: the clients, the accounts,
// the sign-in page (a plain HTML form, so a test drives it with ordinary HTTP requests and
// no browser) and the key store (with an admin endpoint that rotates the signing key
// without a restart).
//
// Configuration (environment; every variable is optional):
//   OIDC_PORT            port to listen on (default 9090; 0 picks a free one, printed on start)
//   OIDC_HOST            address to bind (default 127.0.0.1)
//   OIDC_ISSUER          issuer (default http://127.0.0.1:<port>)
//   OIDC_CONFIG          a JSON object, or the path of a JSON file, with any of
//                        { clients, accounts, acrValues, scopes }; argv[2] is read the same way
//   OIDC_CLIENTS         a JSON array of client metadata (overrides OIDC_CONFIG.clients)
//   OIDC_ACCOUNTS        a JSON object { accountId: { claims... } } (overrides .accounts)
//   OIDC_ACR_VALUES      space-separated acr values, weakest first
//                        (default "password otp e-signature")
//   OIDC_CONSENT         "auto" (default: what is asked is granted, as for a first-party
//                        government client) or "form" (a consent form must be posted)
//   OIDC_PKCE_REQUIRED   "1" (default: every client must use PKCE S256) or "0" (public only)
//   OIDC_ID_TOKEN_TTL    ID token lifetime in seconds (default 3600)
//   OIDC_ACCESS_TOKEN_TTL access token lifetime in seconds (default 600)
//   OIDC_CLAIMS_IN_ID_TOKEN "1" (default: scope claims are put in the ID token as well as
//                        at userinfo) or "0" (strict OIDC: scope claims only at userinfo
//                        when an access token is issued)
//   OIDC_ADMIN_TOKEN     when set, /admin/* requires "Authorization: Bearer <token>"
//
// Test-only endpoints (besides the provider's own, listed at /.well-known/openid-configuration):
//   GET  /interaction/:uid            the sign-in (or consent) page
//   POST /interaction/:uid/login      form: account=<accountId>[&acr=<acr>]  -> 303 to /auth/:uid
//   POST /interaction/:uid/confirm    consent (OIDC_CONSENT=form only)       -> 303 to /auth/:uid
//   POST /interaction/:uid/abort      the person cancels                      -> 303, error=access_denied
//   GET  /admin/keys                  { signing_kid, kids }
//   POST /admin/rotate[?retire=1]     a new RSA key becomes the signing key; the previous keys stay
//                                     published unless retire=1 (then tokens they signed carry a kid
//                                     no longer in the JWKS)                 -> { signing_kid, kids }
//   POST /admin/rotate?withhold=1     a new key signs, but /jwks keeps publishing only the old ones:
//                                     ID tokens are signed by a key nobody can check (unknown kid)
//   OIDC_CLOCK_OFFSET (env)           seconds the provider's clock is off (negative: behind)
//   POST /admin/sign                  body: JSON claims; answers a JWT signed with the current key
//                                     (for crafting bad ID tokens: wrong nonce, expired, ...)
//   GET  /healthz                     "ok"
//   SIGHUP                            same as POST /admin/rotate
//
// Headless sign-in, step by step (keep the cookies between the steps):
//   1. GET  /auth?client_id=..&response_type=code&scope=openid pinfl profile&redirect_uri=..
//           &state=..&nonce=..&code_challenge=..&code_challenge_method=S256[&acr_values=otp]
//           -> 303 Location: /interaction/<uid>   (sets the _interaction cookies)
//   2. POST /interaction/<uid>/login   account=citizen&acr=otp
//           -> 303 Location: /auth/<uid>
//   3. GET  /auth/<uid>
//           -> 303 Location: <redirect_uri>?code=..&state=..&iss=..
//   4. POST /token  grant_type=authorization_code&code=..&redirect_uri=..&code_verifier=..
//   5. GET  /me     Authorization: Bearer <access_token>

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { URL } from 'node:url';

import Provider, { interactionPolicy } from 'oidc-provider';

const env = process.env;

// OIDC_CLOCK_OFFSET (seconds): the provider's clock runs that far off. A provider whose clock is
// two hours behind issues ID tokens that are already expired: what a relying party must refuse.
if (env.OIDC_CLOCK_OFFSET) {
  const offset = Number(env.OIDC_CLOCK_OFFSET) * 1000;
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

function readJson(value, what) {
  if (!value) return undefined;
  const text = value.trim().startsWith('{') || value.trim().startsWith('[')
    ? value
    : fs.readFileSync(value, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what}: not valid JSON (${err.message})`);
  }
}

const fileConfig = {
  ...readJson(env.OIDC_CONFIG, 'OIDC_CONFIG'),
  ...readJson(process.argv[2], 'argv[2]'),
};

const port = Number(env.OIDC_PORT ?? 9090);
const host = env.OIDC_HOST || '127.0.0.1';

// Three levels, weakest first, named after the way a citizen signs in to OneID: a password,
// a one-time code on top of it (SMS / Mobile-ID), or an e-signature (ERI) key. See the brief.
const acrValues = (env.OIDC_ACR_VALUES || fileConfig.acrValues?.join(' ') || 'password otp e-signature')
  .split(/\s+/).filter(Boolean);
const amrFor = {
  password: ['pwd'],
  otp: ['pwd', 'otp'],
  'e-signature': ['swk', 'pin'],
};

const defaultClients = [
  {
    // A confidential web client (client_secret_basic), as Yagona's server is.
    client_id: 'yagona',
    client_secret: 'yagona-secret',
    client_name: 'Yagona',
    redirect_uris: ['http://127.0.0.1:8080/auth/callback'],
    post_logout_redirect_uris: ['http://127.0.0.1:8080/'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    // A public client: no secret, PKCE only.
    client_id: 'yagona-public',
    client_name: 'Yagona (public)',
    redirect_uris: ['http://127.0.0.1:8080/auth/callback'],
    post_logout_redirect_uris: ['http://127.0.0.1:8080/'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
];

const defaultAccounts = {
  citizen: {
    pinfl: '31505901234567',
    given_name: 'Aziz',
    family_name: 'Karimov',
    middle_name: 'Rustamovich',
    'given_name#uz-Cyrl': 'Азиз',
    'family_name#uz-Cyrl': 'Каримов',
    'middle_name#uz-Cyrl': 'Рустамович',
    name: 'Karimov Aziz Rustamovich',
    birthdate: '1990-05-15',
    email: 'aziz.karimov@example.uz',
    email_verified: true,
    phone_number: '+998901234567',
    phone_number_verified: true,
    locale: 'uz-Latn',
    legal_entities: [{ tin: '301234567', name: 'Karimov Savdo MChJ', is_basic: true }],
  },
  officer: {
    pinfl: '42007851234560',
    given_name: 'Dilnoza',
    family_name: 'Yusupova',
    middle_name: 'Akmalovna',
    name: 'Yusupova Dilnoza Akmalovna',
    birthdate: '1985-11-02',
    email: 'd.yusupova@civil-registry.example.uz',
    email_verified: true,
    phone_number: '+998711234567',
    phone_number_verified: true,
    agency: 'civil-registry',
    roles: ['registrar'],
  },
  // No e-mail, no phone: a relying party must cope with claims that are not given.
  minimal: {
    pinfl: '51212120000011',
    given_name: 'Olim',
    family_name: 'Toshmatov',
    birthdate: '2001-01-01',
  },
};

const clients = readJson(env.OIDC_CLIENTS, 'OIDC_CLIENTS') ?? fileConfig.clients ?? defaultClients;
const accounts = readJson(env.OIDC_ACCOUNTS, 'OIDC_ACCOUNTS') ?? fileConfig.accounts ?? defaultAccounts;

// Scopes and the claims each releases. Language-tagged variants (given_name#uz-Cyrl, ...) of
// the profile claims that any account carries are released with `profile` as well.
const standardProfile = ['name', 'given_name', 'family_name', 'middle_name', 'nickname',
  'preferred_username', 'gender', 'birthdate', 'locale', 'zoneinfo', 'updated_at'];
const taggedProfile = [...new Set(Object.values(accounts).flatMap((a) => Object.keys(a))
  .filter((k) => k.includes('#') && standardProfile.includes(k.split('#')[0])))];
const scopes = {
  // acr, amr (RFC 8176) and auth_time in every ID token, not only when acr_values or max_age
  // were sent: the relying party decides the level of assurance from them.
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: [...standardProfile, ...taggedProfile],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address'],
  pinfl: ['pinfl'],
  officer: ['agency', 'roles'],
  legal: ['legal_entities'],
  ...fileConfig.scopes,
};

const autoConsent = (env.OIDC_CONSENT || 'auto') !== 'form';
const pkceForAll = (env.OIDC_PKCE_REQUIRED ?? '1') !== '0';
const claimsInIdToken = (env.OIDC_CLAIMS_IN_ID_TOKEN ?? '1') !== '0';
const idTokenTtl = Number(env.OIDC_ID_TOKEN_TTL || 3600);
const accessTokenTtl = Number(env.OIDC_ACCESS_TOKEN_TTL || 600);
const cookieKeys = [crypto.randomBytes(32).toString('base64url')];

// ---------------------------------------------------------------------------------------------
// Storage shared by every Provider instance (a key rotation builds a new instance; sessions,
// codes and tokens survive it). A plain Map with expiry: nothing is evicted early.
// ---------------------------------------------------------------------------------------------

const store = new Map();
const now = () => Math.floor(Date.now() / 1000);
function live(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.exp && entry.exp <= now()) {
    store.delete(key);
    return undefined;
  }
  return entry.value;
}

class MemoryAdapter {
  constructor(name) { this.name = name; }

  key(id) { return `${this.name}:${id}`; }

  async upsert(id, payload, expiresIn) {
    const exp = expiresIn ? now() + expiresIn : undefined;
    store.set(this.key(id), { value: payload, exp });
    if (payload.grantId) {
      const gk = `grant:${payload.grantId}`;
      const members = live(gk) ?? [];
      members.push(this.key(id));
      store.set(gk, { value: members, exp });
    }
    if (payload.uid) store.set(`sessionUid:${payload.uid}`, { value: id, exp });
    if (payload.userCode) store.set(`userCode:${payload.userCode}`, { value: id, exp });
  }

  async find(id) { return live(this.key(id)); }

  async findByUid(uid) {
    const id = live(`sessionUid:${uid}`);
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode) {
    const id = live(`userCode:${userCode}`);
    return id ? this.find(id) : undefined;
  }

  async consume(id) {
    const entry = store.get(this.key(id));
    if (entry) entry.value.consumed = now();
  }

  async destroy(id) { store.delete(this.key(id)); }

  async revokeByGrantId(grantId) {
    const gk = `grant:${grantId}`;
    for (const k of live(gk) ?? []) store.delete(k);
    store.delete(gk);
  }
}

// ---------------------------------------------------------------------------------------------
// Signing keys
// ---------------------------------------------------------------------------------------------

const keys = []; // private JWKs, the signing key first
function newKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  jwk.kid = `k${new Date().toISOString().replace(/[-:.TZ]/g, '')}-${crypto.randomBytes(3).toString('hex')}`;
  jwk.alg = 'RS256';
  jwk.use = 'sig';
  return jwk;
}
keys.push(newKey());

function signJwt(payload) {
  const [jwk] = keys;
  const header = { alg: 'RS256', typ: 'JWT', kid: jwk.kid };
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64(header)}.${b64(payload)}`;
  const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  return `${input}.${crypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

// ---------------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------------

const rank = (acr) => acrValues.indexOf(acr);

function policy() {
  const base = interactionPolicy.base();
  // Step-up: a session whose acr is weaker than every acr_values the client asks for is sent
  // back to the sign-in page. acr_values are ordered weakest first (OIDC_ACR_VALUES), and a
  // stronger acr satisfies a weaker request. Right after a sign-in the result is accepted as
  // it is: the relying party must check the acr it gets (acr_values is a voluntary claim).
  base.get('login').checks.add(new interactionPolicy.Check(
    'acr_values_unmet',
    'the session does not meet the requested authentication context class',
    (ctx) => {
      const { oidc } = ctx;
      if (!oidc.params.acr_values || oidc.result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      if (!oidc.session.accountId) return interactionPolicy.Check.REQUEST_PROMPT;
      const wanted = String(oidc.params.acr_values).split(' ').map(rank).filter((r) => r >= 0);
      if (!wanted.length) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return rank(oidc.session.acr) >= Math.min(...wanted)
        ? interactionPolicy.Check.NO_NEED_TO_PROMPT
        : interactionPolicy.Check.REQUEST_PROMPT;
    },
  ));
  return base;
}

function page(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  }[c]));
}

function build() {
  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    clients,
    jwks: { keys: keys.map((k) => ({ ...k })) },
    cookies: { keys: cookieKeys },
    acrValues,
    claims: scopes,
    conformIdTokenClaims: !claimsInIdToken,
    pkce: { required: (ctx, client) => pkceForAll || client.clientAuthMethod === 'none' },
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: idTokenTtl,
      Interaction: 600,
      Session: 86400,
      Grant: 86400,
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          // No script: the person (or a test) posts the form. The xsrf field is in `form`.
          ctx.body = page('Sign out', `${form}
<p>Do you want to sign out of ${esc(ctx.host)}?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<p>You have signed out.</p>');
        },
      },
    },
    interactions: {
      policy: policy(),
      url: (ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    async findAccount(ctx, sub) {
      const account = accounts[sub];
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() { return { sub, ...account }; },
      };
    },
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (!autoConsent) return grant;
      // A first-party client: what it asks for is granted, without a consent page.
      grant ??= new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      const claims = Object.keys({ ...oidc.claims?.id_token, ...oidc.claims?.userinfo });
      if (claims.length) grant.addOIDCClaims(claims);
      await grant.save();
      return grant;
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<dl>${Object.entries(out)
        .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`);
    },
  });
  provider.on('server_error', (ctx, err) => console.error('oidc server_error:', err));
  return { provider, handler: provider.callback() };
}

// ---------------------------------------------------------------------------------------------
// Interactions (the sign-in page) and the admin endpoints
// ---------------------------------------------------------------------------------------------

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res, status, body, type = 'text/html; charset=utf-8') {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function interaction(req, res, uid, action) {
  const { provider } = current;
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    return send(res, 400, page('Sign-in error', `<p>${esc(err.message)}</p>`));
  }
  if (details.uid !== uid) return send(res, 400, page('Sign-in error', '<p>interaction mismatch</p>'));
  const { prompt, params } = details;

  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') {
      const requested = String(params.acr_values || '').split(' ').filter((a) => acrValues.includes(a));
      const preselect = requested[0] || acrValues[0];
      const hint = params.login_hint && accounts[params.login_hint] ? params.login_hint : '';
      return send(res, 200, page('Sign in', `
<form method="post" action="/interaction/${esc(uid)}/login">
  <p><label for="account">Account</label>
  <select id="account" name="account">${Object.keys(accounts).map((id) => `
    <option value="${esc(id)}"${id === hint ? ' selected' : ''}>${esc(id)}</option>`).join('')}
  </select></p>
  <fieldset><legend>How you sign in (acr)</legend>${acrValues.map((a) => `
    <label><input type="radio" name="acr" value="${esc(a)}"${a === preselect ? ' checked' : ''}> ${esc(a)}</label>`).join('')}
  </fieldset>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button type="submit">Cancel</button></form>`));
    }
    if (prompt.name === 'consent') {
      return send(res, 200, page('Allow access', `
<p>${esc(params.client_id)} asks for: ${esc(params.scope)}</p>
<form method="post" action="/interaction/${esc(uid)}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button type="submit">Cancel</button></form>`));
    }
    return send(res, 501, page('Sign-in error', `<p>prompt ${esc(prompt.name)} not supported</p>`));
  }

  if (req.method !== 'POST') return send(res, 405, page('Sign-in error', '<p>method not allowed</p>'));
  const form = new URLSearchParams(await readBody(req));

  if (action === 'login') {
    if (prompt.name !== 'login') return send(res, 400, page('Sign-in error', '<p>not at the sign-in step</p>'));
    const accountId = form.get('account') || form.get('login');
    if (!accountId || !accounts[accountId]) {
      return send(res, 400, page('Sign-in error', `<p>unknown account ${esc(accountId ?? '')}</p>`));
    }
    const acr = form.get('acr') || acrValues[0];
    if (!acrValues.includes(acr)) return send(res, 400, page('Sign-in error', `<p>unknown acr ${esc(acr)}</p>`));
    return provider.interactionFinished(req, res, {
      login: { accountId, acr, amr: amrFor[acr] ?? [acr] },
    }, { mergeWithLastSubmission: false });
  }

  if (action === 'confirm') {
    if (prompt.name !== 'consent') return send(res, 400, page('Sign-in error', '<p>not at the consent step</p>'));
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    const d = prompt.details;
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    if (d.missingResourceScopes) {
      for (const [indicator, s] of Object.entries(d.missingResourceScopes)) grant.addResourceScope(indicator, s.join(' '));
    }
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, {
      mergeWithLastSubmission: true,
    });
  }

  if (action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }
  return send(res, 404, page('Sign-in error', '<p>not found</p>'));
}

// A signing key kept out of the published JWKS (POST /admin/rotate?withhold=1).
let withheld = null;

function rotate(retire, withhold = false) {
  keys.unshift(newKey());
  if (retire) keys.splice(1);
  withheld = withhold ? keys[0].kid : null;
  current = build();
  const out = { signing_kid: keys[0].kid, kids: keys.map((k) => k.kid) };
  console.log(`oidc: signing key rotated ${JSON.stringify(out)}`);
  return out;
}

async function admin(req, res, path, url) {
  if (env.OIDC_ADMIN_TOKEN && req.headers.authorization !== `Bearer ${env.OIDC_ADMIN_TOKEN}`) {
    return send(res, 401, '{"error":"unauthorized"}', 'application/json');
  }
  if (path === '/admin/keys' && req.method === 'GET') {
    return send(res, 200, JSON.stringify({ signing_kid: keys[0].kid, kids: keys.map((k) => k.kid) }), 'application/json');
  }
  if (path === '/admin/rotate' && req.method === 'POST') {
    await readBody(req);
    const yes = (name) => ['1', 'true', 'yes'].includes(url.searchParams.get(name) || '');
    return send(res, 200, JSON.stringify(rotate(yes('retire'), yes('withhold'))), 'application/json');
  }
  if (path === '/admin/sign' && req.method === 'POST') {
    let claims;
    try {
      claims = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, '{"error":"body must be JSON claims"}', 'application/json');
    }
    return send(res, 200, JSON.stringify({ jwt: signJwt({ iss: issuer, ...claims }), kid: keys[0].kid }), 'application/json');
  }
  return send(res, 404, '{"error":"not_found"}', 'application/json');
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

let issuer;
let current;

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://internal');
    const path = url.pathname;
    const m = path.match(/^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?\/?$/);
    if (m) return await interaction(req, res, m[1], m[2]);
    if (path.startsWith('/admin/')) return await admin(req, res, path, url);
    if (path === '/healthz') return send(res, 200, 'ok', 'text/plain');
    if (withheld && path === '/jwks') {
      const published = keys.filter((k) => k.kid !== withheld)
        .map(({ kty, kid, n, e, alg, use }) => ({ kty, kid, n, e, alg, use }));
      return send(res, 200, JSON.stringify({ keys: published }), 'application/jwk-set+json');
    }
    return current.handler(req, res);
  } catch (err) {
    console.error('oidc: request failed:', err);
    if (!res.headersSent) send(res, 500, page('Server error', `<p>${esc(err.message)}</p>`));
    else res.end();
  }
});

server.listen(port, host, () => {
  const actual = server.address().port;
  issuer = env.OIDC_ISSUER || `http://${host}:${actual}`;
  current = build();
  console.log(`oidc-provider listening on ${issuer} (accounts: ${Object.keys(accounts).join(', ')}; `
    + `clients: ${clients.map((c) => c.client_id).join(', ')}; acr: ${acrValues.join(' < ')})`);
});

process.on('SIGHUP', () => rotate(false));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
