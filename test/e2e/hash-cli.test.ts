import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashImageBytes, hashVideo } from '../../src/hashing/index.js';

const photo = (name: string) => new URL(`../fixtures/photos/${name}`, import.meta.url).pathname;
const HEX64 = /^[0-9a-f]{64}$/;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/hashwatch.js', ...args], { env: { ...process.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('hashwatch hash and match', () => {
  let dir: string;
  let reg: string;
  let hashed: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hw-hash-cli-'));
    reg = join(dir, 'registered');
    await mkdir(join(reg, 'sub'), { recursive: true });
    await copyFile(photo('mate-aqua.jpg'), join(reg, 'aqua.jpg'));
    await sharp(photo('mate-garden.jpg')).resize(800).png().toFile(join(reg, 'garden.png'));
    await sharp(photo('skimage-astronaut.jpg'))
      .jpeg({ quality: 85 })
      .toFile(join(reg, 'sub', 'astronaut.jpg'));
    await copyFile(photo('skimage-coins.jpg'), join(reg, '.hidden.jpg'));
    await writeFile(join(reg, 'empty.jpg'), '');
    await writeFile(join(reg, 'notes.jpg'), 'these are notes, not a photo\n');
    await writeFile(
      join(reg, 'drawing.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    );
    await promisify(execFile)('ffmpeg', [
      ...'-loglevel error -f lavfi -i testsrc2=size=320x240:rate=10 -t 3 -pix_fmt yuv420p'.split(' '),
      join(reg, 'clip.mp4'),
    ]);
    hashed = await run(['hash', '--json', reg]);
  });
  afterAll(() => rm(dir, { recursive: true }));

  it('hash --json prints one contract line per file, in sorted order, errors in place, exit 1', async () => {
    const out = lines(hashed.stdout);
    expect(out.map((l) => l.file)).toEqual(
      [
        'aqua.jpg',
        'clip.mp4',
        'drawing.svg',
        'empty.jpg',
        'garden.png',
        'notes.jpg',
        'sub/astronaut.jpg',
      ].map((f) => join(reg, f)),
    );
    const byName = (f: string) => out.find((l) => l.file === join(reg, f)) as Record<string, unknown>;
    expect(byName('drawing.svg').error).toMatchObject({ code: 'HASH_UNSUPPORTED_FORMAT' });
    expect(byName('empty.jpg').error).toMatchObject({ code: 'HASH_DECODE_FAILED' });
    expect(byName('notes.jpg').error).toMatchObject({
      code: 'HASH_DECODE_FAILED',
      message: expect.any(String),
    });
    expect(hashed.code).toBe(1);
    expect(hashed.stderr).toMatch(/3 of 7 file\(s\) could not be hashed/);

    for (const f of ['aqua.jpg', 'garden.png', 'sub/astronaut.jpg']) {
      const line = byName(f);
      const local = await hashImageBytes(await readFile(join(reg, f)), { variants: true });
      expect(Object.keys(line).slice(0, 9)).toEqual(
        'file kind sha256 md5 pdq pdqQuality blockhash width height'.split(' '),
      );
      expect(line).toEqual({
        file: join(reg, f),
        kind: 'image',
        sha256: local.sha256,
        md5: local.md5,
        pdq: local.pdq,
        pdqQuality: local.pdqQuality,
        blockhash: local.blockhash,
        width: local.width,
        height: local.height,
        variants: local.variants,
      });
      expect(line.pdq).toMatch(HEX64);
      expect(line.blockhash).toMatch(HEX64);
      expect(line.md5).toMatch(/^[0-9a-f]{32}$/);
    }

    const clip = byName('clip.mp4');
    const local = await hashVideo({ kind: 'file', path: join(reg, 'clip.mp4') });
    expect(clip).toMatchObject({ kind: 'video', sha256: local.sha256, md5: local.md5, blockhash: null });
    expect(clip).toMatchObject({ width: 320, height: 240, durationMs: 3000, pdq: local.pdq });
    expect(clip.frames).toEqual(local.frames);
    expect((clip.frames as unknown[]).length).toBe(3);
  });

  it('match finds exact, resized and mirrored copies, and nothing for an unrelated photo', async () => {
    const registry = join(dir, 'registry.jsonl');
    await writeFile(registry, hashed.stdout);
    const q = join(dir, 'queries');
    await mkdir(q);
    await copyFile(join(reg, 'aqua.jpg'), join(q, 'exact.jpg'));
    await sharp(photo('mate-garden.jpg')).resize(500).jpeg({ quality: 75 }).toFile(join(q, 'resized.jpg'));
    await sharp(photo('mate-aqua.jpg')).flop().png().toFile(join(q, 'mirrored.png'));
    await sharp(photo('mate-storm.jpg')).resize(900).jpeg().toFile(join(q, 'unrelated.jpg'));

    const res = await run(['match', '--registry', registry, '--json', q]);
    expect(res.code).toBe(0);
    const out = Object.fromEntries(
      lines(res.stdout).map((l) => [l.file, l.matches as Record<string, unknown>[]]),
    );
    expect(out[join(q, 'exact.jpg')]).toEqual([
      expect.objectContaining({ file: join(reg, 'aqua.jpg'), signal: 'sha256', distance: 0 }),
    ]);
    expect(out[join(q, 'resized.jpg')]).toEqual([
      expect.objectContaining({ file: join(reg, 'garden.png'), signal: 'pdq', variant: 'original' }),
    ]);
    expect(out[join(q, 'resized.jpg')]?.[0]?.distance).toBeLessThanOrEqual(31);
    // Registration stores the PDQ of the mirrored pixels (the `mirror` turn), which a mirrored copy
    // meets with its own hash, closer than any dihedral query derived from its DCT.
    expect(out[join(q, 'mirrored.png')]).toEqual([
      expect.objectContaining({ file: join(reg, 'aqua.jpg'), signal: 'pdq', variant: 'mirror' }),
    ]);
    expect(out[join(q, 'unrelated.jpg')]).toEqual([]);
    for (const m of Object.values(out).flat()) expect(m).not.toHaveProperty('itemId');
    expect(res.stderr).toMatch(
      /registry line \d+: skipped, .*notes\.jpg was not hashed \(HASH_DECODE_FAILED\)/,
    );
  });

  it('match refuses a malformed registry file, naming the bad lines, and matches nothing', async () => {
    const bad = join(dir, 'bad.jsonl');
    const good = hashed.stdout.split('\n')[0];
    await writeFile(bad, `${good}\n{"kind":"image","sha256":"XYZ"}\n\nnot json\n`);
    const res = await run(['match', '--registry', bad, '--json', join(reg, 'aqua.jpg')]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/line 2: .*sha256/);
    expect(res.stderr).toMatch(/line 4: not valid JSON/);
    expect(res.stderr).toMatch(/Nothing was matched/);
  });
});
