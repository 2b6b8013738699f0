/**
 * Command-line options of the benchmarks: `--name value` pairs and `--flag`s. A value out of range
 * stops the benchmark before it starts anything.
 */

/** The value after `--name`, or the fallback. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

/** An integer option within bounds. */
export function intArg(name: string, fallback: string, min: number, max: number): number {
  const v = Number(arg(name, fallback));
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`--${name} must be an integer ${min}–${max}`);
  return v;
}

/** A comma-separated list of worker-process counts, each 1–16 (e.g. `--workers 1,2,4`). */
export function workerCountsArg(fallback: string): number[] {
  return arg('workers', fallback)
    .split(',')
    .map((w) => {
      const n = Number(w);
      if (!Number.isInteger(n) || n < 1 || n > 16)
        throw new RangeError(`--workers takes counts 1–16, e.g. ${fallback}`);
      return n;
    });
}
