import type { Page, Response } from 'playwright-core';
import type { MediaCandidate } from './extract.js';

/**
 * Watches the page's responses for media: images, progressive video, HLS and DASH manifests. Bodies
 * are never read here (the guarded downloader fetches what is kept); only URLs and types are noted.
 */
export class NetworkCapture {
  readonly #found = new Map<string, MediaCandidate>();
  #requests = 0;
  #lastRequestAt = Date.now();
  /** Navigation and document responses, for the page's own status. */
  readonly documents: { url: string; status: number }[] = [];

  constructor(page: Page) {
    page.on('request', () => {
      this.#requests++;
      this.#lastRequestAt = Date.now();
    });
    page.on('response', (res) => this.#onResponse(res));
  }

  get requestCount(): number {
    return this.#requests;
  }

  get idleMs(): number {
    return Date.now() - this.#lastRequestAt;
  }

  media(): MediaCandidate[] {
    return [...this.#found.values()];
  }

  #onResponse(res: Response): void {
    const url = res.url();
    if (!url.startsWith('http')) return;
    const type = (res.headers()['content-type'] ?? '').toLowerCase();
    const resource = res.request().resourceType();
    if (resource === 'document') this.documents.push({ url, status: res.status() });
    if (res.status() >= 400) return;
    const path = (url.split('?')[0] ?? '').toLowerCase();
    let kind: MediaCandidate['kind'] | undefined;
    if (type.includes('mpegurl') || path.endsWith('.m3u8')) kind = 'hls';
    else if (type.includes('dash+xml') || path.endsWith('.mpd')) kind = 'dash';
    else if (type.startsWith('video/mp2t') || /\.(ts|m4s|m4v?a?)$/.test(path))
      return; // segments: via the manifest
    else if (type.startsWith('video/') || resource === 'media') kind = 'video';
    else if (type.startsWith('image/') && !type.includes('svg') && !type.includes('icon')) kind = 'image';
    if (!kind || this.#found.has(url)) return;
    this.#found.set(url, { url, kind, via: `network:${kind}` });
  }
}
