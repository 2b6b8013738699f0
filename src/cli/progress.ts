import cliProgress from 'cli-progress';

/** A progress bar on stderr, shown only when stderr is a terminal (never in pipes or CI logs). */
export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

export function progress(total: number, label: string): Progress {
  if (!process.stderr.isTTY || total <= 1) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} {eta_formatted}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick: (n = 1) => bar.increment(n),
    stop: () => bar.stop(),
  };
}
