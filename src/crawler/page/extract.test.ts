import { describe, expect, it } from 'vitest';
import { extractLinks, extractMedia, jsonLdUrls, parseCssUrls, parseSrcset } from './extract.js';
import type { DomSnapshot } from './snapshot.js';

const snap = (over: Partial<DomSnapshot>): DomSnapshot => ({
  url: 'https://www.tube.example/list?page=1',
  title: '',
  images: [],
  pictureSources: [],
  backgrounds: [],
  videos: [],
  meta: [],
  jsonLd: [],
  links: [],
  mseBlobs: [],
  ...over,
});

describe('extractors', () => {
  it('reads every srcset candidate, including URLs with commas', () => {
    expect(parseSrcset('a.jpg 1x, /b,c.jpg 2x,  https://cdn.example/d.jpg 640w')).toEqual([
      'a.jpg',
      '/b,c.jpg',
      'https://cdn.example/d.jpg',
    ]);
    expect(parseCssUrls(`url("a.png"), url('b.jpg'), linear-gradient(red, blue), url(c.webp)`)).toEqual([
      'a.png',
      'b.jpg',
      'c.webp',
    ]);
  });

  it('finds lazy, srcset, picture, background, video, poster, og and JSON-LD media, resolved and deduplicated', () => {
    const media = extractMedia(
      snap({
        images: [
          {
            src: 'data:image/gif;base64,R0lGOD',
            currentSrc: null,
            srcset: null,
            lazy: { 'data-src': '/t/1.jpg' },
          },
          {
            src: '/t/2.jpg',
            currentSrc: 'https://www.tube.example/t/2.jpg',
            srcset: '/t/2-320.jpg 320w, /t/2-640.jpg 640w',
            lazy: {},
          },
          {
            src: null,
            currentSrc: null,
            srcset: null,
            lazy: { 'data-original': 'https://cdn.example/o.jpg' },
          },
        ],
        pictureSources: [{ srcset: 'https://cdn.example/p.webp', type: 'image/webp' }],
        backgrounds: ['url("https://cdn.example/bg.jpg")'],
        videos: [
          {
            src: null,
            currentSrc: 'blob:https://www.tube.example/abc',
            poster: '/poster.jpg',
            sources: ['https://cdn.example/v.mp4'],
            lazy: {},
          },
        ],
        meta: [
          { property: 'og:image', content: 'https://cdn.example/og.jpg' },
          { property: 'description', content: 'https://not-media.example/x.jpg' },
        ],
        jsonLd: [
          JSON.stringify({
            '@type': 'VideoObject',
            contentUrl: 'https://cdn.example/v.mp4',
            thumbnailUrl: ['https://cdn.example/th.jpg'],
          }),
          '{broken',
        ],
      }),
    );
    const byUrl = Object.fromEntries(media.map((m) => [m.url, `${m.kind}/${m.via}`]));
    expect(byUrl).toEqual({
      'https://www.tube.example/t/1.jpg': 'image/img-data-src',
      'https://www.tube.example/t/2.jpg': 'image/img',
      'https://www.tube.example/t/2-320.jpg': 'image/srcset',
      'https://www.tube.example/t/2-640.jpg': 'image/srcset',
      'https://cdn.example/o.jpg': 'image/img-data-original',
      'https://cdn.example/p.webp': 'image/picture',
      'https://cdn.example/bg.jpg': 'image/css-bg',
      'https://cdn.example/v.mp4': 'video/video-source',
      'https://www.tube.example/poster.jpg': 'image/poster',
      'https://cdn.example/og.jpg': 'image/og:image',
      'https://cdn.example/th.jpg': 'image/json-ld:thumbnailUrl',
    });
  });

  it('follows only same-site http links, never the page itself or logout links', () => {
    const links = extractLinks(
      snap({
        links: [
          { href: 'https://www.tube.example/list?page=2', rel: null, text: '2' },
          { href: 'https://tube.example/video/7#comments', rel: null, text: 'clip' },
          { href: 'https://other.example/x', rel: null, text: 'ad' },
          { href: 'javascript:void(0)', rel: null, text: '' },
          { href: 'https://www.tube.example/logout', rel: null, text: 'log out' },
          { href: 'https://www.tube.example/list?page=1', rel: null, text: 'self' },
        ],
      }),
      ['tube.example'],
    );
    expect(links).toEqual(['https://www.tube.example/list?page=2', 'https://tube.example/video/7']);
  });

  it('walks nested JSON-LD graphs', () => {
    const text = JSON.stringify({
      '@graph': [{ video: { contentUrl: 'https://a/v.mp4', thumbnailUrl: 'https://a/t.jpg' } }],
    });
    expect(jsonLdUrls(text)).toEqual([
      { url: 'https://a/v.mp4', key: 'contentUrl' },
      { url: 'https://a/t.jpg', key: 'thumbnailUrl' },
    ]);
  });
});
