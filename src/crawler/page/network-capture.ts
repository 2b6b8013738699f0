import type { Page, Response } from 'playwright-core';
import type { MediaCandidate } from './extract.js';

/**
 * Watches the page's responses for media: images, progressive video, HLS and DASH manifests. Bodies
 * are never read here (the guarded downloader fetches what is kept); only URLs and types are noted.
 */
export class NetworkCapture {
  readonly #found = new Map<string, MediaCandidate>();
  /** Media playlists named by a master playlist: the master stands for the whole stream. */
  readonly #children = new Set<string>();
  readonly #reading: Promise<void>[] = [];
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

  /** Media seen so far, without the renditions of a master playlist that was also seen. */
  media(): MediaCandidate[] {
    return [...this.#found.values()].filter((m) => !this.#children.has(m.url));
  }

  /**
   * Waits until every playlist body being read has been read, or `maxMs` passed: a playlist that
   * drips forever must not hold the page (its URL stays a candidate; the downloader has its own cap).
   */
  async settled(maxMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, maxMs));
    });
    await Promise.race([Promise.all(this.#reading), late]);
    clearTimeout(timer);
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
    // A playlist is a few KB of text: reading it here is how the player's rendition playlists are
    // told apart from the master. Media bodies are never read through the browser.
    if (kind === 'hls') this.#reading.push(this.#readVariants(res));
  }

  async #readVariants(res: Response): Promise<void> {
    try {
      const text = (await res.body()).subarray(0, 512 * 1024).toString('utf8');
      if (!text.startsWith('#EXTM3U')) return;
      const lines = text.split(/\r?\n/);
      lines.forEach((line, i) => {
        if (!line.startsWith('#EXT-X-STREAM-INF') && !line.startsWith('#EXT-X-I-FRAME-STREAM-INF')) return;
        const uri = line.startsWith('#EXT-X-I-FRAME')
          ? /URI="([^"]+)"/.exec(line)?.[1]
          : lines[i + 1]?.trim();
        if (uri && !uri.startsWith('#')) this.#children.add(new URL(uri, res.url()).toString());
      });
    } catch {
      // body unavailable (redirect, page closed): the rendition stays a candidate; SHA-256 dedup still holds
    }
  }
}
