/**
 * Progress of a long run, on stderr: on a terminal a bar (cli-progress) once the run has
 * taken more than a second; off a terminal (CI logs, `2> log`) one plain line at most
 * every PROGRESS_INTERVAL seconds (KVM_ORDERCHECK_PROGRESS_INTERVAL overrides it), the
 * first after that long, so that short runs print nothing extra. The bar leaves the
 * cursor shown, and a signal handled between subjects stops it (interrupt.ts).
 */
import { createRequire } from "node:module";
import type cliProgress from "cli-progress";
import { onCleanup } from "./interrupt.js";

export interface Progress {
  update(done: number, total: number, executions: number): void;
  stop(): void;
}

/** Seconds between two progress lines off a terminal. */
export const PROGRESS_INTERVAL = 10;

function intervalMs(): number {
  const s = Number(process.env.KVM_ORDERCHECK_PROGRESS_INTERVAL);
  return (Number.isFinite(s) && s > 0 ? s : PROGRESS_INTERVAL) * 1000;
}

/** `unit`: what `done` and `total` count (programs, runs). */
export function progressBar(label: string, unit: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  const rate = (executions: number) => Math.round(executions / Math.max((Date.now() - started) / 1000, 0.001));
  if (!stream.isTTY) {
    const every = intervalMs();
    let next = started + every;
    return {
      update(done, total, executions) {
        const now = Date.now();
        if (now < next) return;
        next = now + every;
        const secs = Math.round((now - started) / 1000);
        stream.write(`kvm-ordercheck: ${label}: ${done}/${total} ${unit}, ${executions} executions (${rate(executions)}/s), ${secs} s\n`);
      },
      stop() {},
    };
  }
  let bar: cliProgress.SingleBar | null = null;
  let removeCleanup = () => {};
  const stop = () => {
    bar?.stop();
    bar = null;
    removeCleanup();
  };
  return {
    update(done, total, executions) {
      if (!bar) {
        if (Date.now() - started < 1000) return;
        // Loaded when a bar is first drawn: a run off a terminal never needs it.
        const bars = createRequire(import.meta.url)("cli-progress") as typeof cliProgress;
        bar = new bars.SingleBar(
          {
            stream,
            format: `${label} [{bar}] {value}/{total} ${unit} | {executions} executions | {rate}/s | ETA {eta_formatted}`,
            // Not hidden: a process ended by a signal it does not handle (SIGQUIT, SIGKILL) could not show it again.
            hideCursor: false,
            clearOnComplete: true,
          },
          bars.Presets.shades_classic,
        );
        bar.start(total, done, { executions: 0, rate: 0 });
        removeCleanup = onCleanup(stop);
      }
      bar.setTotal(total);
      bar.update(done, { executions, rate: rate(executions) });
    },
    stop,
  };
}
