/**
 * A progress bar for long runs: on a terminal only, not with --json, and only once a run
 * has taken more than a second (short runs print nothing extra).
 */
import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, total: number, executions: number): void;
  stop(): void;
}

export function progressBar(enabled: boolean, label: string): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const started = Date.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(done, total, executions) {
      if (!bar) {
        if (Date.now() - started < 1000) return;
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `${label} [{bar}] {value}/{total} programs | {executions} executions | {rate}/s | ETA {eta_formatted}`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, { executions: 0, rate: 0 });
      }
      const secs = (Date.now() - started) / 1000;
      bar.setTotal(total);
      bar.update(done, { executions, rate: Math.round(executions / Math.max(secs, 0.001)) });
    },
    stop() {
      bar?.stop();
    },
  };
}
