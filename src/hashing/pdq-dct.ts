/**
 * The frequency half of PDQ: quality metric on the 64×64 downsample, the partial 2-D DCT to 16×16,
 * Torben's median, the hash bits, and the eight dihedral variants derived from one DCT. Float32
 * arithmetic throughout, in the reference's (`pdqhashing.cpp`) order of operations.
 *
 * Pure module: used by the browser bundle as well.
 */

const N = 64;
const K = 16;

/**
 * The reference's 16×64 DCT-II matrix (rows 1..16, the DC row dropped), row-major. Each element is a
 * float: `float(sqrt(2/64)) * cos(pi/2/64 * (i+1) * (2j+1))` computed in double, then rounded.
 */
export const DCT_MATRIX: Float32Array = (() => {
  const m = new Float32Array(K * N);
  const scale = Math.fround(Math.sqrt(2 / N));
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < N; j++) {
      m[i * N + j] = scale * Math.cos((Math.PI / 2 / N) * (i + 1) * (2 * j + 1));
    }
  }
  return m;
})();

/**
 * Quality 0..100 from the sum of quantised neighbour differences of the 64×64 image (the reference's
 * `pdqImageDomainQualityMetric`): flat or nearly flat images score low and their hashes are noise.
 */
export function qualityMetric(a: Float32Array): number {
  let gradientSum = 0;
  for (let i = 0; i < N - 1; i++) {
    for (let j = 0; j < N; j++) {
      const diff = Math.fround(a[i * N + j]! - a[(i + 1) * N + j]!);
      gradientSum += Math.abs(Math.trunc(Math.fround(Math.fround(diff * 100) / 255)));
    }
  }
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N - 1; j++) {
      const diff = Math.fround(a[i * N + j]! - a[i * N + j + 1]!);
      gradientSum += Math.abs(Math.trunc(Math.fround(Math.fround(diff * 100) / 255)));
    }
  }
  return Math.min(100, Math.floor(gradientSum / 90));
}

/**
 * `out16 = D · a64 · Dᵀ` restricted to the 16×16 low frequencies; `t` is 16×64 scratch. Products and
 * sums are rounded to float one by one, in the reference's k = 0..63 order. Each sum is a chain of
 * dependent float additions, so four of them advance together to keep the CPU busy.
 */
export function dct64To16(a64: Float32Array, t: Float32Array, out16: Float32Array): void {
  const d = DCT_MATRIX;
  for (let i = 0; i < K; i++) {
    const dRow = i * N;
    for (let j = 0; j < N; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0, ak = j; k < N; k++, ak += N) {
        const dk = d[dRow + k]!;
        s0 = Math.fround(s0 + Math.fround(dk * a64[ak]!));
        s1 = Math.fround(s1 + Math.fround(dk * a64[ak + 1]!));
        s2 = Math.fround(s2 + Math.fround(dk * a64[ak + 2]!));
        s3 = Math.fround(s3 + Math.fround(dk * a64[ak + 3]!));
      }
      t[dRow + j] = s0;
      t[dRow + j + 1] = s1;
      t[dRow + j + 2] = s2;
      t[dRow + j + 3] = s3;
    }
  }
  for (let i = 0; i < K; i++) {
    const tRow = i * N;
    for (let j = 0; j < K; j += 4) {
      const d0 = j * N;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < N; k++) {
        const tk = t[tRow + k]!;
        s0 = Math.fround(s0 + Math.fround(tk * d[d0 + k]!));
        s1 = Math.fround(s1 + Math.fround(tk * d[d0 + N + k]!));
        s2 = Math.fround(s2 + Math.fround(tk * d[d0 + 2 * N + k]!));
        s3 = Math.fround(s3 + Math.fround(tk * d[d0 + 3 * N + k]!));
      }
      out16[i * K + j] = s0;
      out16[i * K + j + 1] = s1;
      out16[i * K + j + 2] = s2;
      out16[i * K + j + 3] = s3;
    }
  }
}

/**
 * Torben Mogensen's median (N. Devillard's implementation, as the reference): the ⌈n/2⌉-th smallest
 * value, found without sorting or modifying the input.
 */
export function torbenMedian(m: Float32Array): number {
  const n = m.length;
  let min = m[0]!;
  let max = min;
  for (let i = 1; i < n; i++) {
    const v = m[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const halfN = (n + 1) >> 1;
  for (;;) {
    const guess = Math.fround(Math.fround(min + max) / 2);
    let less = 0;
    let greater = 0;
    let equal = 0;
    let maxLtGuess = min;
    let minGtGuess = max;
    for (let i = 0; i < n; i++) {
      const v = m[i]!;
      if (v < guess) {
        less++;
        if (v > maxLtGuess) maxLtGuess = v;
      } else if (v > guess) {
        greater++;
        if (v < minGtGuess) minGtGuess = v;
      } else equal++;
    }
    if (less <= halfN && greater <= halfN) {
      if (less >= halfN) return maxLtGuess;
      if (less + equal >= halfN) return guess;
      return minGtGuess;
    }
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
}

const HEX_WORD = (w: number): string => w.toString(16).padStart(4, '0');

/**
 * Hash bits from a 16×16 DCT: bit `i*16+j` is set when coefficient (i, j) is above the median. Hex as
 * the reference prints its `Hash256`: sixteen 16-bit words, most significant (bits 255..240) first.
 * `words` is 16-element scratch.
 */
export function dctToHex(dct16: Float32Array, words: Uint16Array): string {
  const median = torbenMedian(dct16);
  words.fill(0);
  for (let k = 0; k < K * K; k++) {
    if (dct16[k]! > median) words[k >> 4]! |= 1 << (k & 15);
  }
  let hex = '';
  for (let w = 15; w >= 0; w--) hex += HEX_WORD(words[w]!);
  return hex;
}

/**
 * The eight dihedral transforms of an image, in the reference CLI's order and names:
 * `rotate90` turns the image 90° anticlockwise (sharp's `rotate(270)`), `rotate180` half a turn,
 * `rotate270` 90° clockwise (`rotate(90)`), `flipX` upside down (`flip()`), `flipY` left-right
 * (`flop()`), `flipPlus1` transposes (about the main diagonal) and `flipMinus1` about the other one.
 */
export const DIHEDRAL_NAMES = [
  'original',
  'rotate90',
  'rotate180',
  'rotate270',
  'flipX',
  'flipY',
  'flipPlus1',
  'flipMinus1',
] as const;

/** One of {@link DIHEDRAL_NAMES}. */
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

/**
 * The DCT of a rotated or flipped image from the original's DCT: the DCT basis functions are
 * symmetric or antisymmetric under reflection, so a flip negates odd-index rows or columns and a
 * transpose swaps axes. Sign and transpose rules as the reference's `dct16OriginalTo*`.
 */
export function dihedralDct(name: DihedralName, a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      const v = a[i * K + j]!;
      switch (name) {
        case 'original':
          b[i * K + j] = v;
          break;
        case 'rotate90':
          b[j * K + i] = j & 1 ? v : -v;
          break;
        case 'rotate180':
          b[i * K + j] = (i + j) & 1 ? -v : v;
          break;
        case 'rotate270':
          b[j * K + i] = i & 1 ? v : -v;
          break;
        case 'flipX':
          b[i * K + j] = i & 1 ? v : -v;
          break;
        case 'flipY':
          b[i * K + j] = j & 1 ? v : -v;
          break;
        case 'flipPlus1':
          b[j * K + i] = v;
          break;
        case 'flipMinus1':
          b[j * K + i] = (i + j) & 1 ? -v : v;
          break;
      }
    }
  }
}
