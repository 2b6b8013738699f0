/**
 * TEST HELPER ONLY (not exported from the crawler's index): a throwaway HTTP server on 127.0.0.1
 * for the network layer's tests, so nothing ever touches the internet. `close()` also destroys
 * open connections, so a test that leaves a slow-drip response hanging still ends.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running fixture server. */
export interface FixtureServer {
  readonly port: number;
  /** `127.0.0.1:PORT`, the form the test-only `allowHosts` policy seam expects. */
  readonly authority: string;
  /** `http://127.0.0.1:PORT` + path. */
  url(path?: string): string;
  /** Requests received so far (method and URL), to prove a refused hop was never sent. */
  readonly requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  /** Resolves when the server has closed. */
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 at a free port. */
export async function startFixtureServer(handler: http.RequestListener): Promise<FixtureServer> {
  const requests: FixtureServer['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    authority: `127.0.0.1:${port}`,
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `fn` and returns what it threw (failing when it did not throw), so a test can assert on the
 * code and flags of a CrawlError.
 */
export async function caught(fn: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to throw');
}
