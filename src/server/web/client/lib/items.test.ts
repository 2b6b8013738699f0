import { describe, expect, it } from 'vitest';
import { type CaseItem, uniqueItems } from './items.js';
import { cappedSize } from './video-hash.js';

const image = (sha256: string): CaseItem => ({
  kind: 'image',
  sha256,
  md5: 'm',
  pdq: 'p',
  pdqQuality: 90,
  blockhash: 'b',
  width: 10,
  height: 10,
});

describe('uniqueItems', () => {
  it('keeps one item per file content, in the order chosen', () => {
    const items = [image('a'), image('b'), image('a')];
    expect(uniqueItems(items).map((i) => i.sha256)).toEqual(['a', 'b']);
  });
});

describe('cappedSize (the server caps video frames at 1920 px on the long side)', () => {
  it('leaves 1080p and smaller alone and halves 4K', () => {
    expect(cappedSize(1920, 1080)).toEqual({ w: 1920, h: 1080 });
    expect(cappedSize(640, 400)).toEqual({ w: 640, h: 400 });
    expect(cappedSize(3840, 2160)).toEqual({ w: 1920, h: 1080 });
    expect(cappedSize(2160, 3840)).toEqual({ w: 1080, h: 1920 });
  });
});
