import type { FastifyPluginAsync } from 'fastify';
import type { AccountsRuntime } from './session-hooks.js';

/**
 * Makes sessions available to `requireUser`, `requireCsrf` and `currentUser` on every route of the
 * server. Register it on the root instance before any plugin whose routes use those hooks.
 *
 * It marks itself with `skip-override` — exactly what `fastify-plugin` does, without taking that
 * package as a dependency — so its decorations land on the instance that registers it instead of
 * a private child, and sibling plugins (API and pages) all see them.
 */
export function sessionPlugin(options: AccountsRuntime): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    app.decorate('hashwatchAccounts', { accounts: options.accounts, cookieSecure: options.cookieSecure });
    // Declared up front so every request object has the same shape (a V8 hidden-class detail).
    app.decorateRequest('user', undefined);
    app.decorateRequest('accountSession', undefined);
  };
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'hashwatch-sessions',
  });
  return plugin;
}
