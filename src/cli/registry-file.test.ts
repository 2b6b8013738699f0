import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHashwatchError } from '../errors.js';
import { loadRegistryFile, RegistryFileError, registryRows } from './registry-file.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const image = (file: string) => ({
  file,
  kind: 'image',
  sha256: hex(32),
  md5: hex(16),
  pdq: hex(32),
  pdqQuality: 90,
  blockhash: hex(32),
  width: 100,
  height: 80,
  variants: [{ name: 'crop-c05', pdq: hex(32), pdqQuality: 88 }],
});
const video = (file: string) => ({
  file,
  kind: 'video',
  sha256: hex(32),
  md5: hex(16),
  pdq: null,
  pdqQuality: null,
  blockhash: null,
  width: 320,
  height: 240,
  durationMs: 5000,
  frames: [0, 1000, 2000, 3000, 4000].map((ms) => ({ ms, pdq: hex(32), pdqQuality: 100 })),
});

describe('registry files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hw-registry-file-'));
  });
  afterAll(() => rm(dir, { recursive: true }));
  const write = async (name: string, lines: string[]) => {
    const path = join(dir, name);
    await writeFile(path, `${lines.join('\n')}\n`);
    return path;
  };

  it('maps an item to the rows the registry stores: digests, PDQ, crop variants and frames', () => {
    let id = 100;
    const img = image('a.jpg');
    const rows = registryRows(7, img as Parameters<typeof registryRows>[1], () => id++);
    expect(rows.map((r) => [r.signal, r.variant, r.value])).toEqual([
      ['sha256', 'original', img.sha256],
      ['md5', 'original', img.md5],
      ['pdq', 'original', img.pdq],
      ['blockhash', 'original', img.blockhash],
      ['pdq', 'crop-c05', img.variants[0]?.pdq],
    ]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(5);
    expect(rows.every((r) => r.itemId === 7)).toBe(true);
    const vid = registryRows(8, video('v.mp4') as Parameters<typeof registryRows>[1], () => id++);
    expect(vid.filter((r) => r.variant === 'frame').map((r) => r.frameMs)).toEqual([
      0, 1000, 2000, 3000, 4000,
    ]);
  });

  it('loads items by line, skips error lines, and matches a registered video by its frames', async () => {
    const v = video('clip.mp4');
    const path = await write('ok.jsonl', [
      JSON.stringify(image('a.jpg')),
      JSON.stringify({ file: 'broken.jpg', error: { code: 'HASH_DECODE_FAILED', message: 'x' } }),
      '',
      JSON.stringify(v),
    ]);
    const reg = await loadRegistryFile(path, {});
    expect([...reg.files]).toEqual([
      [1, 'a.jpg'],
      [4, 'clip.mp4'],
    ]);
    expect(reg.skipped).toEqual([{ line: 2, file: 'broken.jpg', code: 'HASH_DECODE_FAILED' }]);
    const [m] = reg.matcher.match({ kind: 'video', frames: v.frames.slice(1) });
    expect(m).toMatchObject({ itemId: 4, signal: 'vpdq', distance: 0 });
  });

  it('rejects the whole file when any line is bad, naming each bad line', async () => {
    const path = await write('bad.jsonl', [
      JSON.stringify(image('a.jpg')),
      JSON.stringify({ ...image('b.jpg'), pdq: 'ABC' }),
      '{"kind":',
      JSON.stringify({ ...image('c.jpg'), extra: 1 }),
    ]);
    const err = await loadRegistryFile(path, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryFileError);
    expect(isHashwatchError(err)).toBe(true);
    const { problems, message, code, details } = err as RegistryFileError;
    expect(code).toBe('REGISTRY_FILE_INVALID');
    expect(details).toEqual({ problems: 3 });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^line 2: pdq/);
    expect(problems[1]).toBe('line 3: not valid JSON');
    expect(problems[2]).toMatch(/^line 4: .*unexpected field\(s\) extra/);
    expect(message).toContain(path);
  });

  it('rejects a missing file and a file with nothing hashed', async () => {
    await expect(loadRegistryFile(join(dir, 'nope.jsonl'), {})).rejects.toThrow(/cannot read it: ENOENT/);
    const path = await write('errors-only.jsonl', [
      JSON.stringify({ file: 'x', error: { code: 'E', message: 'm' } }),
    ]);
    await expect(loadRegistryFile(path, {})).rejects.toThrow(/holds no hashed files/);
  });
});
