/**
 * SIGINT and SIGTERM during a run: the terminal is restored (progress bars stopped, the
 * cursor shown), what is finished is printed (the run registers how: `onInterrupt`), and
 * the process exits 130 or 143 (128 + the signal's number, as a shell reports it).
 *
 * Only the executable installs the handlers (`installSignalHandlers`, from main when it
 * runs as the process); in a library or a test the registrations are inert.
 *
 * A handler runs only when the event loop gets a turn. A long synchronous stretch (one
 * subject's random check, an exhaustive run on one thread) gives it none, so there the
 * signals keep their default action (`killable`): the process ends at once, as killed by
 * the signal (130/143 to the shell), instead of ignoring Ctrl-C until the stretch is over.
 * What was finished before it is on stdout already for text and KTAP, which stream each
 * subject's verdict; a JSON or JUnit document, printed whole, is not printed then.
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

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const handlers = { SIGINT: () => stop("SIGINT"), SIGTERM: () => stop("SIGTERM") };

export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) process.on(signal, handlers[signal]);
}

/** Runs the synchronous part of `f` with the signals' default action (see above); the handlers are back when it returns. */
export function killable<T>(f: () => T): T {
  if (!installed) return f();
  for (const signal of SIGNALS) process.off(signal, handlers[signal]);
  try {
    return f();
  } finally {
    for (const signal of SIGNALS) process.on(signal, handlers[signal]);
  }
}
