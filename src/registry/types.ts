/** A video frame's fingerprint as registered: time into the video and its PDQ. */
export interface FrameHash {
  ms: number;
  pdq: string;
  pdqQuality: number;
}

/** A registry-side PDQ variant (e.g. a centre crop) computed on the survivor's device. */
export interface VariantHash {
  name: string;
  pdq: string;
  pdqQuality: number;
}

/** The fingerprints of one file, in the `hashwatch hash --json` shape (without the file name). */
export interface ItemHashes {
  kind: 'image' | 'video';
  sha256: string;
  md5: string;
  pdq: string | null;
  pdqQuality: number | null;
  blockhash: string | null;
  width?: number | undefined;
  height?: number | undefined;
  durationMs?: number | undefined;
  frames?: FrameHash[] | undefined;
  variants?: VariantHash[] | undefined;
}

/** Who registered the case and what they agreed to. */
export interface Consent {
  /** Version of the consent text the person accepted. */
  version: string;
  /** The person depicted, an authorised representative, or a guardian reporting for a minor. */
  role: 'self' | 'representative' | 'guardian';
  /** The person confirmed they are 18 or over (false only with role `guardian`). */
  adult: boolean;
  acceptedAt: string;
}

export type CaseSource = 'web' | 'api' | 'cli';

/** One registered fingerprint as the matching index holds it. */
export interface RegistryHashRow {
  id: number;
  itemId: number;
  caseId: number;
  signal: 'pdq' | 'blockhash' | 'md5' | 'sha256';
  value: string;
  quality: number | null;
  variant: string;
  frameMs: number | null;
}
