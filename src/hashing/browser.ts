/**
 * The browser-safe face of hashing: only the pure modules, so the registration page bundles exactly
 * the code the server runs on decoded pixels (border trimming, PDQ, blockhash, hex helpers) and
 * nothing that needs Node. Nothing imported from this file, directly or indirectly, may import a
 * `node:` module, sharp or ffmpeg: `browser.test.ts` bundles it for the browser to prove it.
 */
export { BLOCKHASH_BITS_PER_SIDE, blockhash } from './blockhash.js';
export {
  HASH_ERROR_CODES,
  HashDecodeFailedError,
  HashImageTooLargeError,
  HashInputTooLargeError,
  HashInvalidError,
  HashUnsupportedFormatError,
} from './errors.js';
export { bytesToHex, hammingDistance, hammingDistanceHex, hexToBytes, popcount32 } from './hex.js';
export {
  type ContentBox,
  cropImage,
  findContentBox,
  type RawImage,
  reducedSize,
  type TrimOptions,
  trimBorders,
} from './image-prep.js';
export {
  DIHEDRAL_NAMES,
  type DihedralName,
  type LumaView,
  lumaRegion,
  lumaView,
  PDQ_EMPTY_HASH,
  PDQ_MIN_DIMENSION,
  type PdqResult,
  type PixelChannels,
  pdqHash,
  pdqHashOfLuma,
} from './pdq.js';
export type { SignalType, SignalTypeName } from './signal-type.js';
export { getSignalType, isSignalTypeName, SIGNAL_TYPES } from './signals/all.js';
export {
  type CropBox,
  type CropSpec,
  cropBoxes,
  cropSpec,
  MIN_VARIANT_SIDE,
  type PdqVariant,
  pdqWithVariants,
  REGISTRATION_CROPS,
  REGISTRATION_TURNS,
  registrationVariants,
  type TurnName,
  turnLuma,
  turnVariants,
  untrimmedVariants,
  type VariantOptions,
  type VariantSource,
} from './variants.js';
export { matchVpdq, prepareVpdqFrames, VPDQ_DEFAULTS, type VpdqFrame } from './vpdq.js';

/** Images above this many pixels are reduced before hashing, on both sides (`DecodeOptions.maxHashPixels`). */
export const MAX_HASH_PIXELS = 2048 * 2048;

/** Video frames whose long side exceeds this are downscaled to it (`VideoFrameOptions.maxLongSide`). */
export const VIDEO_MAX_LONG_SIDE = 1920;
