/**
 * SIGINT and SIGTERM during a run: the terminal is restored (progress bars stopped, the
 * cursor shown), what is finished is printed (the run registers how: `onInterrupt`), and
 * the process exits 130 or 143 (128 + the signal's number, as a shell reports it).
 *
 * Only the executable installs the handlers (`installSignalHandlers`, from main when it
 * runs as the process); in a library or a test the registrations are inert.
 *
 * A handler runs only when the event loop gets a turn: a signal that comes during a
 * synchronous stretch (one subject's random check; an exhaustive run on one worker, all
 * of it) is handled when the stretch ends. (Taking the handlers off for such a stretch
 * does not give the signals their default action back: Node drops a signal that comes
 * then.) SIGQUIT (Ctrl-\) keeps its default action and ends the process at once.
 */
export type StopSignal = "SIGINT" | "SIGTERM";

export const EXIT_STATUS: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

const cleanups = new Set<() => void>();
let report: ((signal: StopSignal) => void) | null = null;
let installed = false;

/** Something to undo on a signal before anything is printed (a progress bar: the cursor). Returns its removal. */
export function onCleanup(f: () => void): () => void {
  cleanups.add(f);
  return () => void cleanups.delete(f);
}

/** How the current run prints what it finished when a signal ends it. Returns its removal. */
export function onInterrupt(f: (signal: StopSignal) => void): () => void {
  report = f;
  return () => {
    if (report === f) report = null;
  };
}

function stop(signal: StopSignal): void {
  for (const f of cleanups) f();
  // Whatever drew on the terminal, the cursor is shown again.
  if (process.stderr.isTTY) process.stderr.write("\x1b[?25h");
  try {
    report?.(signal);
  } finally {
    process.exit(EXIT_STATUS[signal]);
  }
}

export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stop(signal));
}

