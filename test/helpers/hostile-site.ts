/**
 * A small hostile web site for the crawler's hostile-page tests: redirect loops and chains,
 * redirects anywhere, a body that drips forever, a playlist that never ends, a script that never
 * yields, a 1 GB body and a gzip bomb (both produced as the reader asks, never held in memory),
 * an endless infinite scroll, popups, and a page that sends the browser to another site.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';

export const GB = 1024 ** 3;
export const MB = 1024 ** 2;
// A 1×1 PNG (synthetic).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

export interface Served {
  server: http.Server;
  url: string;
  authority: string;
  port: number;
  hits: string[];
  close(): Promise<void>;
}

export function serve(host: string, handler: http.RequestListener): Promise<Served> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  return new Promise((resolve) =>
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        port,
        url: `http://${host}:${port}`,
        authority: `${host}:${port}`,
        hits,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    }),
  );
}

/** Bytes a streamed body produced and put on the wire (after gzip) so far; whether it was closed. */
export interface StreamStats {
  sent: number;
  wire: number;
  closed: boolean;
}

/** `total` bytes of HTML, produced chunk by chunk as the reader asks (never held in memory). */
function* htmlChunks(total: number, stats: StreamStats): Generator<Buffer> {
  const chunk = Buffer.from('<p>hashwatch hostile page test</p>\n'.repeat(1872)); // ~64 KB
  yield Buffer.from('<!doctype html><title>huge</title>');
  while (stats.sent < total) {
    stats.sent += chunk.length;
    yield chunk;
  }
}

function streamBody(res: http.ServerResponse, stats: StreamStats, gzip: boolean): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.on('close', () => {
    stats.closed = true;
  });
  // The gzip bomb decodes to 128 MB (32 times the cap in the test) from about 0.1 MB on the wire.
  const body = Readable.from(htmlChunks(gzip ? 128 * MB : GB, stats));
  res.on('close', () => body.destroy());
  const wire = new PassThrough({
    transform(chunk: Buffer, _enc, done) {
      stats.wire += chunk.length;
      done(null, chunk);
    },
  });
  (gzip ? body.pipe(createGzip({ level: 9 })) : body).pipe(wire).pipe(res);
}

const html = (res: http.ServerResponse, body: string, status = 200) => {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html><head><title>t</title></head><body>${body}</body></html>`);
};

/** The hostile site. `other` is a second allowed site, `internal` a private one nobody may reach. */
export function hostileHandler(ctx: {
  other: () => string;
  stats: Record<string, StreamStats>;
}): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    if (p === '/ok') return html(res, '<h1>fine</h1><img src="/img/1.png"><img src="/img/2.png">');
    if (p.startsWith('/img/')) {
      res.writeHead(200, { 'content-type': 'image/png' });
      return res.end(PNG);
    }
    if (p === '/loop/a') return res.writeHead(302, { location: '/loop/b' }).end();
    if (p === '/loop/b') return res.writeHead(302, { location: '/loop/a' }).end();
    const chain = /^\/chain\/(\d+)$/.exec(p);
    if (chain) return res.writeHead(302, { location: `/chain/${Number(chain[1]) + 1}` }).end();
    if (p === '/go') return res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    if (p === '/drip') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<!doctype html><title>drip</title><body>');
      const t = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(t));
      return;
    }
    if (p === '/drip-playlist')
      return html(res, `<h1>live</h1><img src="/img/3.png"><script>fetch('/live.m3u8')</script>`);
    if (p === '/live.m3u8') {
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
      res.write('#EXTM3U\n');
      const t = setInterval(() => res.write('#EXT-X-COMMENT\n'), 100);
      res.on('close', () => clearInterval(t));
      return;
    }
    if (p === '/busy') return html(res, '<script>setTimeout(() => { for (;;) {} }, 50)</script>');
    if (p === '/huge' || p === '/huge-gzip') {
      const stats = { sent: 0, wire: 0, closed: false };
      ctx.stats[p] = stats;
      return streamBody(res, stats, p === '/huge-gzip');
    }
    if (p === '/scroll')
      return html(
        res,
        `<div id="feed"></div><script>
          let n = 0;
          const add = () => { const d = document.createElement('div'); d.style.height = '1500px';
            d.innerHTML = '<img src="/img/s' + (n++) + '.png">'; feed.appendChild(d); };
          for (let i = 0; i < 3; i++) add();
          addEventListener('scroll', () => { add(); add(); });
        </script>`,
      );
    if (p === '/popups') {
      const n = Number(url.searchParams.get('n') ?? '1000');
      // window.open is disarmed; a target=_blank link clicked from script still opens a window. The
      // endless variant also tries a fresh iframe's own open().
      return html(
        res,
        `<a id="pop" href="/ok" target="_blank">x</a><script>
          let k = 0;
          const t = setInterval(() => {
            if (k++ >= ${n}) return clearInterval(t);
            document.getElementById('pop').click();
            if (${n} > 100) { const f = document.createElement('iframe'); document.body.appendChild(f);
              try { f.contentWindow.open('/ok?popup=' + k, '_blank'); } catch {} f.remove(); }
          }, 50);
        </script><img src="/img/p.png">`,
      );
    }
    if (p === '/away')
      return html(
        res,
        // On load, not on a timer: a renderer starved of CPU (two test files at once on two cores)
        // can fire a timer after the crawl has finished, and the test then sees no navigation.
        `<img src="/img/a.png"><script>addEventListener('load', () => { location.href = '${ctx.other()}/ok'; })</script>`,
      );
    if (p === '/same-site-nav')
      return html(res, `<script>addEventListener('load', () => { location.href = '/ok'; })</script>`);
    if (p === '/to-other') return res.writeHead(302, { location: `${ctx.other()}/ok` }).end();
    return html(res, 'not found', 404);
  };
}
