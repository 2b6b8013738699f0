import type { Config } from '../config.js';
import {
  BrowserPool,
  crawlPage,
  downloadAndHash,
  GuardedFetcher,
  normalizeUrl,
  siteOf,
  startVettingProxy,
} from '../crawler/index.js';
import { isHashwatchError } from '../errors.js';
import type { ImageHashes, VideoHashes } from '../hashing/index.js';
import { downloadLimits, matchPolicy } from '../main.js';
import { describeMatches } from './match.js';
import { loadRegistryFile, type RegistryFile, RegistryFileError } from './registry-file.js';

export interface ScanOptions {
  registry?: string;
  depth: number;
  maxPages: number;
  timeoutSeconds: number;
  json: boolean;
}

type Line = Record<string, unknown>;

/**
 * `hashwatch scan <url>`: the whole pipeline for one page in one process, without Redis or
 * Postgres — render (through the vetting proxy), discover, download (guarded), hash in memory,
 * match against a registry file. One line per media item, then a summary.
 */
export async function scanCommand(url: string, opts: ScanOptions, config: Readonly<Config>): Promise<number> {
  let registry: RegistryFile | undefined;
  try {
    registry = opts.registry ? await loadRegistryFile(opts.registry, matchPolicy(config)) : undefined;
  } catch (err) {
    if (err instanceof RegistryFileError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const print = (line: Line) =>
    process.stdout.write(opts.json ? `${JSON.stringify(line)}\n` : `${human(line)}\n`);
  const started = Date.now();
  const abort = AbortSignal.timeout(opts.timeoutSeconds * 1000);
  const c = config.crawler;
  const policy = { allowPrivateNetworks: c.allowPrivateNetworks, allowHosts: c.allowHosts };
  const proxy = await startVettingProxy(policy);
  const browsers = new BrowserPool({
    executablePath: c.chromiumPath,
    proxyUrl: proxy.url,
    recycleAfter: 1000,
    maxRssBytes: c.browserMaxRssBytes,
  });
  const fetcher = new GuardedFetcher({ ...policy, maxRedirects: c.maxRedirects });
  const seenMedia = new Map<string, ImageHashes | VideoHashes>();
  const seenPages = new Set<string>();
  const queue: { url: string; depth: number }[] = [{ url, depth: 0 }];
  const stats = { pages: 0, pagesFailed: 0, media: 0, hashed: 0, failed: 0, matched: 0 };
  const sites = [siteOf(url)];
  try {
    while (queue.length && stats.pages < opts.maxPages && !abort.aborted) {
      const page = queue.shift() as { url: string; depth: number };
      if (seenPages.has(normalizeUrl(page.url))) continue;
      seenPages.add(normalizeUrl(page.url));
      stats.pages++;
      process.stderr.write(`page ${stats.pages}: ${page.url}\n`);
      const context = await browsers.newContext();
      let result: Awaited<ReturnType<typeof crawlPage>>;
      try {
        result = await crawlPage(context, page.url, {
          timeoutMs: c.pageTimeoutMs,
          maxScrollMs: c.scrollMs,
          // The same hostile-page limits as the workers (docs/RELIABILITY.md, "Hostile input").
          maxBytes: c.pageMaxBytes,
          maxPopups: c.maxPopups,
          maxRedirects: c.maxRedirects,
          policy,
          sites,
          signal: abort,
        });
      } catch (err) {
        stats.pagesFailed++;
        print({ pageUrl: page.url, error: describe(err) });
        continue;
      } finally {
        await context.close().catch(() => {});
      }
      if (page.depth < opts.depth)
        for (const link of result.links) queue.push({ url: link, depth: page.depth + 1 });
      for (const m of result.media) {
        const key = normalizeUrl(m.url);
        if (seenMedia.has(key) || abort.aborted) continue;
        stats.media++;
        try {
          const out = await downloadAndHash(fetcher, m.url, {
            limits: downloadLimits(config),
            headers: { referer: result.url },
            signal: abort,
            isKnownSha256: async () => false,
          });
          if (out.kind !== 'hashed') {
            print({ url: m.url, pageUrl: result.url, via: m.via, gone: true, httpStatus: out.httpStatus });
            continue;
          }
          seenMedia.set(key, out.hashes);
          stats.hashed++;
          const matches = registry ? describeMatches(registry, registry.matcher.match(out.hashes)) : [];
          if (matches.length) stats.matched++;
          const { pdqDihedral: _d, ...hashes } = out.hashes as ImageHashes;
          print({ url: m.url, pageUrl: result.url, via: m.via, ...hashes, matches });
        } catch (err) {
          stats.failed++;
          print({ url: m.url, pageUrl: result.url, via: m.via, error: describe(err) });
        }
      }
    }
  } finally {
    await browsers.close();
    await fetcher.close();
    await proxy.close();
  }
  const summary = {
    ...stats,
    timedOut: abort.aborted,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  print({ summary });
  return stats.failed || stats.pagesFailed ? 1 : 0;
}

function describe(err: unknown): { code: string; message: string } {
  if (isHashwatchError(err)) return { code: err.code, message: err.message };
  return { code: 'SCAN_FAILED', message: (err as Error).message?.split('\n')[0] ?? String(err) };
}

function human(line: Line): string {
  if (line.summary) return `summary: ${JSON.stringify(line.summary)}`;
  if (line.error) return `✗ ${line.url ?? line.pageUrl}: ${(line.error as { message: string }).message}`;
  const matches = (line.matches as unknown[] | undefined)?.length ?? 0;
  return `${matches ? '● MATCH' : '○'} ${line.kind ?? 'gone'} ${line.url}${matches ? ` (${matches} registry entr${matches === 1 ? 'y' : 'ies'})` : ''}`;
}
