import { randomBytes } from 'node:crypto';

/** Random lowercase hex of `bytes` bytes. */
export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** The hashes of one made-up image, as a registration sends them (never bytes). */
export const imageItem = () => ({
  kind: 'image' as const,
  sha256: hex(32),
  md5: hex(16),
  pdq: hex(32),
  pdqQuality: 90,
  blockhash: hex(32),
  width: 640,
  height: 480,
});

/** An accepted consent statement of an adult registering their own files. */
export const consent = { version: '2026-11', role: 'self', adult: true, accepted: true } as const;
