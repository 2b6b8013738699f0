/**
 * The edits a re-upload carries, made with sharp from a photo's decoded pixels and encoded to bytes
 * (JPEG q85 unless the edit is the codec), so the crawler's pipeline sees them as it would online.
 *
 * Every step that changes geometry runs in its own sharp pipeline: sharp applies the operations of
 * one pipeline in a fixed order, not in call order, and a rotate-then-crop must crop the rotated image.
 */
import sharp, { type Sharp } from 'sharp';

/** A photo's pixels: 3-channel sRGB, row-major. */
export interface Source {
  pixels: Buffer;
  width: number;
  height: number;
}

/** Which target an edit counts towards (see docs/ACCURACY.md). */
export type EditGroup = 'mild' | 'dihedral' | 'crop' | 'hard' | 'extra';

export interface Edit {
  name: string;
  group: EditGroup;
  /** Edited copy of `src`; `index` is the photo's position, used to vary e.g. which side is cropped. */
  apply(src: Source, index: number): Promise<Buffer>;
}

const from = (s: Source): Sharp =>
  sharp(s.pixels, { raw: { width: s.width, height: s.height, channels: 3 } });
const jpeg = (p: Sharp): Promise<Buffer> => p.jpeg({ quality: 85 }).toBuffer();

async function toSource(p: Sharp): Promise<Source> {
  const { data, info } = await p.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { pixels: data, width: info.width, height: info.height };
}

/** Removes the given fractions of width/height from each side. */
function crop(s: Source, l: number, t: number, r: number, b: number): Sharp {
  const left = Math.round(s.width * l);
  const top = Math.round(s.height * t);
  const width = s.width - left - Math.round(s.width * r);
  const height = s.height - top - Math.round(s.height * b);
  return from(s).extract({ left, top, width, height });
}

/** Crop of `f` from one side, the side cycling with the photo so every side is exercised. */
function sideCrop(s: Source, index: number, f: number): Sharp {
  const side = index % 4;
  return crop(s, side === 0 ? f : 0, side === 2 ? f : 0, side === 1 ? f : 0, side === 3 ? f : 0);
}

type Quad = [number, number, number, number];

/** A number in [0, 1) fixed by the photo's position and a stream number, so runs are repeatable. */
function random(index: number, stream: number): number {
  let x = (index * 7919 + stream * 104729 + 12345) >>> 0;
  for (let k = 0; k < 4; k++) x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  return x / 2 ** 32;
}

const svg = (s: Source, body: string): Buffer =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${s.width}" height="${s.height}">${body}</svg>`,
  );

/** A handle in the bottom-right corner, as reposting accounts stamp them. */
function watermark(s: Source): Buffer {
  const size = Math.max(10, Math.round(s.height * 0.05));
  return svg(
    s,
    `<text x="${s.width - size * 0.6}" y="${s.height - size * 0.6}" text-anchor="end" font-family="DejaVu Sans"
      font-weight="bold" font-size="${size}" fill="#fff" fill-opacity="0.9" stroke="#000"
      stroke-width="${size / 16}">@reposter.example</text>`,
  );
}

/** Large half-transparent text across the middle. */
function overlay(s: Source): Buffer {
  const size = Math.round(Math.min(s.height * 0.18, s.width * 0.12));
  return svg(
    s,
    `<text x="50%" y="50%" dy="0.35em" text-anchor="middle" font-family="DejaVu Sans" font-weight="bold"
      font-size="${size}" fill="#fff" fill-opacity="0.5">REUPLOADED</text>`,
  );
}

/** Rotation by `deg` with the corners filled black, cut back to the original frame size. */
async function rotateFilled(s: Source, deg: number): Promise<Sharp> {
  const rotated = await toSource(from(s).rotate(deg, { background: '#000' }));
  const left = Math.floor((rotated.width - s.width) / 2);
  const top = Math.floor((rotated.height - s.height) / 2);
  return from(rotated).extract({ left, top, width: s.width, height: s.height });
}

/** Rotation by `deg`, then the largest centred rectangle of the same aspect with no fill in it. */
async function rotateZoomed(s: Source, deg: number): Promise<Sharp> {
  const rotated = await toSource(from(s).rotate(deg, { background: '#000' }));
  const a = (Math.abs(deg) * Math.PI) / 180;
  // Scale k such that a k·w × k·h box centred on the rotated image stays inside it.
  const k = 1 / (Math.cos(a) + Math.sin(a) * Math.max(s.width / s.height, s.height / s.width));
  const width = Math.floor(s.width * k) - 2;
  const height = Math.floor(s.height * k) - 2;
  const left = Math.floor((rotated.width - width) / 2);
  const top = Math.floor((rotated.height - height) / 2);
  return from(rotated).extract({ left, top, width, height });
}

/** The evaluated edits, in report order. */
export const EDITS: readonly Edit[] = [
  { name: 'jpeg-q30', group: 'mild', apply: (s) => from(s).jpeg({ quality: 30 }).toBuffer() },
  { name: 'webp-q80', group: 'mild', apply: (s) => from(s).webp({ quality: 80 }).toBuffer() },
  { name: 'resize-50', group: 'mild', apply: (s) => jpeg(from(s).resize(Math.round(s.width / 2))) },
  { name: 'resize-25', group: 'mild', apply: (s) => jpeg(from(s).resize(Math.round(s.width / 4))) },
  {
    name: 'squash-h75',
    group: 'mild',
    apply: (s) => jpeg(from(s).resize(s.width, Math.round(s.height * 0.75), { fit: 'fill' })),
  },
  { name: 'bright+15', group: 'mild', apply: (s) => jpeg(from(s).modulate({ brightness: 1.15 })) },
  { name: 'greyscale', group: 'mild', apply: (s) => jpeg(from(s).greyscale()) },
  { name: 'blur-s2', group: 'mild', apply: (s) => jpeg(from(s).blur(2)) },
  { name: 'watermark', group: 'mild', apply: (s) => jpeg(from(s).composite([{ input: watermark(s) }])) },
  { name: 'text-overlay', group: 'mild', apply: (s) => jpeg(from(s).composite([{ input: overlay(s) }])) },
  { name: 'mirror', group: 'dihedral', apply: (s) => jpeg(from(s).flop()) },
  { name: 'rotate-90', group: 'dihedral', apply: (s) => jpeg(from(s).rotate(90)) },
  { name: 'crop-c05', group: 'crop', apply: (s) => jpeg(crop(s, 0.05, 0.05, 0.05, 0.05)) },
  { name: 'crop-c10', group: 'crop', apply: (s) => jpeg(crop(s, 0.1, 0.1, 0.1, 0.1)) },
  { name: 'crop-side15', group: 'crop', apply: (s, i) => jpeg(sideCrop(s, i, 0.15)) },
  {
    name: 'letterbox-12',
    group: 'crop',
    apply: (s) => {
      const bar = Math.round(s.height * 0.12);
      return jpeg(from(s).extend({ top: bar, bottom: bar, background: '#000' }));
    },
  },
  {
    name: 'border-10',
    group: 'crop',
    apply: (s) => {
      const b = Math.round(Math.min(s.width, s.height) * 0.1);
      return jpeg(from(s).extend({ top: b, bottom: b, left: b, right: b, background: '#fff' }));
    },
  },
  {
    name: 'thumb-pad',
    group: 'crop',
    apply: (s) => {
      const side = Math.min(512, Math.max(s.width, s.height));
      return jpeg(from(s).resize(side, side, { fit: 'contain', background: '#000' }));
    },
  },
  { name: 'rotate-3', group: 'hard', apply: async (s) => jpeg(await rotateFilled(s, 3)) },
  { name: 'rotate-3-zoom', group: 'hard', apply: async (s) => jpeg(await rotateZoomed(s, 3)) },
  // Crops between and beyond the registered ones: does a variant generalise, or only fit its own edit?
  { name: 'crop-c07', group: 'extra', apply: (s) => jpeg(crop(s, 0.075, 0.075, 0.075, 0.075)) },
  { name: 'crop-c15', group: 'extra', apply: (s) => jpeg(crop(s, 0.15, 0.15, 0.15, 0.15)) },
  { name: 'crop-side10', group: 'extra', apply: (s, i) => jpeg(sideCrop(s, i + 1, 0.1)) },
  { name: 'crop-side20', group: 'extra', apply: (s, i) => jpeg(sideCrop(s, i + 2, 0.2)) },
  // Random amounts (seeded per photo): how crops in general fare, not just the round numbers.
  {
    name: 'rand-centre',
    group: 'extra',
    apply: (s, i) => {
      const a = random(i, 1) * 0.15;
      return jpeg(crop(s, a, a, a, a));
    },
  },
  { name: 'rand-side', group: 'extra', apply: (s, i) => jpeg(sideCrop(s, i + 3, random(i, 2) * 0.25)) },
  {
    name: 'rand-aspect',
    group: 'extra',
    apply: (s, i) => {
      const a = random(i, 3) * 0.2;
      return jpeg(i % 2 === 0 ? crop(s, a, 0, a, 0) : crop(s, 0, a, 0, a));
    },
  },
  {
    name: 'rand-free',
    group: 'extra',
    apply: (s, i) => jpeg(crop(s, ...([4, 5, 6, 7].map((k) => random(i, k) * 0.08) as Quad))),
  },
];
