// A real OpenID Connect provider (npm oidc-provider) shaped like ClaveÚnica, for the tests only.
//
// Same paths as accounts.claveunica.gob.cl (issuer <origin>/openid, /openid/authorize/, /openid/token/,
// /openid/userinfo/ answering POST with a Bearer token, /openid/jwks), scope `openid run name`, the userinfo claims
// `RolUnico` {numero (integer), DV (string), tipo "RUN"} and `name` {nombres [...], apellidos [...]}, no email, RS256
// ID tokens, client_secret_post at the token endpoint, a 60-second provider session, and the log-out address
// /api/v1/accounts/app/logout?redirect=<uri>. People log in with a RUN as login and the password "testing", like
// the ClaveÚnica sandbox; the RUNs they may use come from the PEOPLE environment variable.
//
// Environment: CLIENTS (JSON list of {client_id, client_secret, redirect_uris, id_token_ttl?}), PEOPLE (JSON object
// RUN "44444444-4" -> {nombres: [...], apellidos: [...]}). It listens on a free port of 127.0.0.1 and prints one
// JSON line {"issuer": ..., "port": ...} once it is ready. GET /test/logouts answers how many log-outs it served.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const clients = JSON.parse(process.env.CLIENTS || '[]');
const people = JSON.parse(process.env.PEOPLE || '{}');
const idTokenTtl = Object.fromEntries(clients.map((c) => [c.client_id, c.id_token_ttl || 3600]));
let logouts = 0;

function rolUnico(accountId) {
  const [numero, dv] = accountId.split('-');
  return { numero: Number(numero), DV: dv, tipo: 'RUN' };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function loginPage(uid, error) {
  return `<!DOCTYPE html><html lang="es"><head><meta charset="utf-8"><title>ClaveÚnica (pruebas)</title></head><body>
<h1>Ingresa con tu ClaveÚnica</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label>RUN <input name="run" autocomplete="off"></label>
<label>ClaveÚnica <input name="password" type="password"></label>
<button type="submit">Autenticar</button></form>
<p><a href="/interaction/${uid}/cancel">Cancelar</a></p></body></html>`;
}

// A fresh RS256 signing key for each run: the client has to fetch it from /openid/jwks.
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: `cu-${Date.now()}`, alg: 'RS256', use: 'sig',
};

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  const issuer = `${origin}/openid`;
  const provider = new Provider(issuer, {
    clients: clients.map(({ client_id, client_secret, redirect_uris }) => ({
      client_id,
      client_secret,
      redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
    })),
    routes: {
      authorization: '/openid/authorize/',
      token: '/openid/token/',
      userinfo: '/openid/userinfo/',
      jwks: '/openid/jwks',
      end_session: '/openid/session/end',
    },
    scopes: ['openid', 'run', 'name'],
    claims: { openid: ['sub'], run: ['RolUnico'], name: ['name'] },
    jwks: { keys: [signingKey] },
    cookies: { keys: ['claveunica-test-provider-cookie-key'] },
    ttl: {
      Session: 60, // ClaveÚnica's single sign-on lasts 60 seconds
      AuthorizationCode: 300, // 5 minutes, as the manual says
      AccessToken: 3600,
      Grant: 3600,
      Interaction: 600,
      IdToken: (ctx, token, client) => idTokenTtl[client.clientId] || 3600,
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false }, userinfo: { enabled: true } },
    async findAccount(ctx, id) {
      if (!Object.hasOwn(people, id)) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: `cu-${id.split('-')[0]}`, RolUnico: rolUnico(id), name: people[id] };
        },
      };
    },
    async loadExistingGrant(ctx) {
      // Like ClaveÚnica, no consent screen of its own for the scope: the person authorises by logging in.
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid run name');
      await grant.save();
      return grant;
    },
  });
  provider.proxy = false;
  // The sandbox password is "testing"; a RUN that is not in PEOPLE is refused at the form.
  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/test/logouts') {
      ctx.body = { logouts };
      return;
    }
    if (ctx.method === 'GET' && ctx.path === '/openid/userinfo/') {
      // ClaveÚnica's userinfo is called with POST (integration manual); GET is refused here so the tests notice.
      ctx.status = 405;
      ctx.body = { error: 'invalid_request', error_description: 'use POST' };
      return;
    }
    if (ctx.method === 'GET' && ctx.path === '/api/v1/accounts/app/logout') {
      logouts += 1;
      for (const name of ['_session', '_session.sig', '_session.legacy', '_session.legacy.sig']) {
        ctx.cookies.set(name, null);
      }
      const target = ctx.query.redirect;
      if (!target) {
        ctx.status = 400;
        ctx.body = 'redirect missing';
        return;
      }
      ctx.redirect(target);
      return;
    }
    const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login|\/cancel)?$/);
    if (match) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (ctx.method === 'GET' && match[2] === '/cancel') {
        // "Cancelar": ClaveÚnica sends her back with error=access_denied.
        await provider.interactionFinished(ctx.req, ctx.res, {
          error: 'access_denied', error_description: 'End-User cancelled',
        }, { mergeWithLastSubmission: false });
        ctx.respond = false;
        return;
      }
      if (ctx.method === 'POST' && match[2] === '/login') {
        const form = new URLSearchParams(await readBody(ctx.req));
        const run = (form.get('run') || '').replaceAll('.', '').toUpperCase();
        if (!Object.hasOwn(people, run) || form.get('password') !== 'testing') {
          ctx.status = 401;
          ctx.type = 'html';
          ctx.body = loginPage(details.uid, 'RUN o ClaveÚnica incorrectos.');
          return;
        }
        await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: run } }, { mergeWithLastSubmission: false });
        ctx.respond = false;
        return;
      }
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, '');
      return;
    }
    await next();
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
