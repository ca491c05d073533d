// A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider,
// certified by the OpenID Foundation, with its development log-in and consent pages.
//
// node provider.mjs <config.json>, where the JSON (written by harness.py) gives:
//   modules   the node_modules folder oidc-provider was installed into (`npm ci`);
//   accounts  a JSON file {login: {email, given_name, family_name, name, groups, ...}},
//             read again at every look-up, so a test can change a person between log-ins;
//   jwks      the signing keys (private JWKs), so a test can sign tokens as the provider;
//   clients   the portal's client registration;
//   idTokenTtl  seconds an ID token holds.
// It listens on a free loopback port, then prints one line of JSON: {"issuer": "http://..."}.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { default: Provider } = await import(
  pathToFileURL(join(config.modules, 'oidc-provider', 'lib', 'index.js')).href
);

const accounts = () => JSON.parse(readFileSync(config.accounts, 'utf8'));
const page = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: config.clients,
    jwks: config.jwks,
    cookies: { keys: ['oidc-test-provider-cookies-not-secret'] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    pkce: { required: () => true },
    ttl: { IdToken: config.idTokenTtl ?? 3600 },
    async findAccount(ctx, id) {
      if (!(id in accounts())) return undefined;
      return {
        accountId: id,
        // Read when the claims are asked for, not when the person logged in.
        async claims() {
          return { ...accounts()[id], sub: id };
        },
      };
    },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Sign out of the test provider?', `${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<p>You are signed out of the test provider.</p>');
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Provider error', `<pre>${JSON.stringify(out).replace(/[<>&]/g, '')}</pre>`);
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
