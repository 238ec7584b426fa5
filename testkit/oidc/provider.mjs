// A real OpenID Connect provider for Echoes' tests: panva's certified
// `oidc-provider`, on 127.0.0.1, with its own small log-in page.
//
//   node provider.mjs            (env: OIDC_PORT, OIDC_CLIENTS)
//
// OIDC_CLIENTS is JSON: [{ "client_id", "client_secret", "redirect_uris",
// "mangle"? }]. `mangle` makes the provider misbehave for that client, to
// prove Echoes refuses what it must: "aud" (an ID token for someone else),
// "exp" (an ID token that expired an hour ago), "key" (signed by a key the
// provider never published). Everything else is the real thing.
//
// Accounts: whatever email is typed at log-in (or sent as `login_hint`,
// so tests need no form) is an account, its `sub` derived from it. An
// email starting with "unverified:" gets email_verified=false.
//
// Prints "listening on http://127.0.0.1:PORT" once ready.

import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const port = Number(process.env.OIDC_PORT || 0);
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const mangleFor = new Map(clients.map((c) => [c.client_id, c.mangle]));

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signing = { ...(await jose.exportJWK(privateKey)), kid: 'echoes-test', alg: 'RS256', use: 'sig' };
const { privateKey: stranger } = await jose.generateKeyPair('RS256', { extractable: true });

function account(login) {
  const unverified = login.startsWith('unverified:');
  const email = unverified ? login.slice('unverified:'.length) : login;
  const sub = 'u-' + crypto.createHash('sha256').update(login).digest('hex').slice(0, 24);
  return {
    accountId: sub,
    claims: { sub, email, email_verified: !unverified, name: email.split('@')[0] },
  };
}
const accounts = new Map();

const server = http.createServer();
server.listen(port, '127.0.0.1', async () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: clients.map(({ mangle, ...c }) => ({ grant_types: ['authorization_code'], response_types: ['code'], ...c })),
    jwks: { keys: [signing] },
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['echoes-test-cookie-key'] },
    findAccount: (ctx, id) => {
      const found = accounts.get(id);
      return found && { accountId: id, claims: () => found.claims };
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
  });

  // The misbehaving clients: rewrite the ID token the token endpoint sends.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || ctx.status !== 200 || !ctx.body?.id_token) return;
    const mangle = mangleFor.get(ctx.oidc?.client?.clientId);
    if (!mangle) return;
    const claims = jose.decodeJwt(ctx.body.id_token);
    const now = Math.floor(Date.now() / 1000);
    let key = privateKey;
    if (mangle === 'aud') claims.aud = 'someone-else';
    if (mangle === 'exp') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
    if (mangle === 'key') key = stranger;
    ctx.body = {
      ...ctx.body,
      id_token: await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'echoes-test' }).sign(key),
    };
  });

  const finish = async (req, res, login) => {
    const details = await provider.interactionDetails(req, res);
    const { accountId, claims } = account(login);
    accounts.set(accountId, { claims });
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  };

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    // No icon (and no 404 in the browser's console for it).
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    const match = url.pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!match) return callback(req, res);
    try {
      if (req.method === 'POST' && match[2]) {
        let body = '';
        for await (const chunk of req) body += chunk;
        const login = new URLSearchParams(body).get('email') || '';
        return await finish(req, res, login.trim());
      }
      const details = await provider.interactionDetails(req, res);
      if (details.params.login_hint) return await finish(req, res, String(details.params.login_hint));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Test provider</title><h1>Sign in to the test provider</h1>
<form method="post" action="/interaction/${match[1]}/login">
<label for="email">Email</label> <input id="email" name="email" type="email" autofocus>
<button type="submit">Sign in</button></form>`);
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(String(err));
    }
  });
  console.log(`listening on ${issuer}`);
});
