/** The fingerprints of one crawled or local file that are matched against the registry. */
export interface MediaHashes {
  kind: 'image' | 'video';
  sha256?: string | null;
  md5?: string | null;
  pdq?: string | null;
  pdqQuality?: number | null;
  blockhash?: string | null;
  /** The 8 rotations/flips of the image's PDQ by name (`original`, `rotate90`, …), for dihedral matching. */
  pdqDihedral?: Readonly<Record<string, string>> | null;
  frames?: { ms: number; pdq: string; pdqQuality: number }[] | null;
}

export type MatchSignal = 'sha256' | 'md5' | 'pdq' | 'blockhash' | 'vpdq';

/** How one registered item matched. */
export interface ItemMatch {
  itemId: number;
  caseId: number;
  /** The strongest evidence: exact digest, then PDQ (lowest distance), then video frames, then blockhash. */
  signal: MatchSignal;
  /**
   * Hamming distance of the best PDQ hit (0 for exact digests; for videos the median frame distance;
   * for `blockhash`, the blockhash distance, with the PDQ distance in `pdqDistance`).
   */
  distance: number;
  /** For a `blockhash` match: the PDQ distance to the item's registered image that corroborated it. */
  pdqDistance?: number;
  /** 0..1, for ordering the triage queue. */
  score: number;
  /** Registered variant that matched (`original`, a crop name, `frame`) and the dihedral transform if any. */
  variant: string;
  dihedral?: string;
  /** For a PDQ hit on a registered video frame: where in the registered video. */
  registeredFrameMs?: number;
  video?: {
    /** Share of the registered video's frames seen in the crawled video, 0–100. */
    registeredMatchPercent: number;
    /** Share of the crawled video's frames that match the registered video, 0–100. */
    crawledMatchPercent: number;
    framesMatched: number;
    /** Matched stretches in the crawled video's time line. */
    ranges: { startMs: number; endMs: number }[];
  };
}

/** Thresholds; the defaults are the field's (HMA, vPDQ). */
export interface MatchPolicy {
  pdqThreshold: number;
  pdqQualityGate: number;
  /** Try the 8 rotations/flips of an image's PDQ. */
  dihedral: boolean;
  /** A video matches when max(registered%, crawled%) reaches this. */
  videoMatchPercent: number;
  /**
   * An image whose PDQ is too far for `pdqThreshold` still matches when its blockhash is within this
   * many bits of a registered item's and its PDQ within {@link blockhashPdqCeiling} of that item's
   * own PDQ: two hashes that fail differently agreeing (PDQ drifts on smooth and low-contrast images,
   * where blockhash holds). 0 turns the rule off.
   */
  blockhashThreshold: number;
  /** The PDQ distance a blockhash match must still be under (far below the ~128 of unrelated images). */
  blockhashPdqCeiling: number;
}

export const DEFAULT_MATCH_POLICY: MatchPolicy = {
  pdqThreshold: 31,
  pdqQualityGate: 50,
  dihedral: true,
  videoMatchPercent: 80,
  blockhashThreshold: 12,
  blockhashPdqCeiling: 90,
};
