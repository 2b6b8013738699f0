/**
 * The public face of hashing. The pure core (PDQ, blockhash, vPDQ, signal types, border trimming)
 * has no Node imports and is bundled for the registration page from `./browser.ts`; the Node
 * adapters (sharp, ffmpeg, node:crypto) are exported here as well.
 */
export { BLOCKHASH_BITS_PER_SIDE, type BlockhashFlip, blockhash, blockhashFlipped } from './blockhash.js';
export { type DecodedImage, type DecodeOptions, decodeImage, rejectSvg } from './decode-image.js';
export { type FileDigests, fileDigests, fileDigestsAsync, md5Hex, sha256Hex } from './digest.js';
export {
  HASH_ERROR_CODES,
  HashDecodeFailedError,
  HashImageTooLargeError,
  HashInputTooLargeError,
  HashInvalidError,
  HashUnsupportedFormatError,
} from './errors.js';
export { type HashImageOptions, hashImageBytes, type ImageHashes } from './hash-image.js';
export { HASH_POOL_ERROR_CODES, HashPool, HashPoolError, type HashPoolOptions } from './hash-pool.js';
export {
  type HashVideoOptions,
  hashVideo,
  type VideoFrameHash,
  type VideoHashes,
  type VideoHashProgress,
  type VideoSource,
} from './hash-video.js';
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
  type PdqDihedralResult,
  type PdqResult,
  pdqHash,
  pdqHashFromLuma,
  pdqHashOfLuma,
  pdqHashWithDihedrals,
  pdqHashWithDihedralsOfLuma,
} from './pdq.js';
export {
  disableSharpCache,
  PREVIEW_MAX_SIDE,
  type PreviewView,
  type RawFrame,
  renderPreview,
} from './preview-image.js';
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
export { readVideoFrames, type VideoFrame, type VideoFrameOptions } from './video-frames.js';
export {
  matchVpdq,
  prepareVpdqFrames,
  VPDQ_DEFAULTS,
  type VpdqFrame,
  type VpdqMatch,
  type VpdqMatchOptions,
} from './vpdq.js';
