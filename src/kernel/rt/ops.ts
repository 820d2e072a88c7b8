/**
 * The operations a transcribed kernel path yields to the runtime.
 *
 * A kernel function is a generator `K<T>`: every access to state shared between
 * threads is one `yield` of a visible op (read, write, acquire, release), and the
 * scheduler decides which thread's pending op runs next. Code between two yields
 * is atomic. Local ops (choices, observations, lockdep checks, faults) do not
 * yield to the scheduler: they are handled inline by the runtime, so they cost no
 * interleavings.
 */
import type { Cell, Mutex } from "./state.js";

/** Ops that are scheduling points: their order across threads is what we explore. */
export type VisibleOp =
  | { readonly kind: "read"; readonly cell: Cell<unknown> }
  | { readonly kind: "write"; readonly cell: Cell<unknown>; readonly value: unknown }
  /** An atomic read-modify-write (`atomic_inc`, `xa_insert`): one step. */
  | { readonly kind: "rmw"; readonly cell: Cell<unknown>; readonly update: (old: unknown) => unknown }
  | { readonly kind: "acquire"; readonly mutex: Mutex }
  | { readonly kind: "release"; readonly mutex: Mutex }
  /**
   * Block until `until(cell.value)` holds, then read the cell: a thread that waits is
   * not runnable (a guest spinning until a signal arrives).
   */
  | { readonly kind: "wait"; readonly cell: Cell<unknown>; readonly until: (v: unknown) => boolean; readonly why: string };

/** Ops the runtime handles inline, without giving the scheduler a choice. */
export type LocalOp =
  /** A nondeterministic value: which of `options` this execution takes comes from its decisions. */
  | { readonly kind: "choose"; readonly point: string; readonly options: readonly unknown[] }
  /** A reader of shared configuration says what it used (properties read these). */
  | { readonly kind: "observe"; readonly what: string; readonly data: Readonly<Record<string, unknown>> }
  /** `lockdep_assert_held()`: a finding if the current thread does not hold `mutex`. */
  | { readonly kind: "assert_held"; readonly mutex: Mutex; readonly where: string }
  /** `WARN_ON()` that fired, or an oops (fatal: the thread cannot go on). */
  | { readonly kind: "fault"; readonly fault: FaultKind; readonly message: string }
  /**
   * A line of a variant's source ran (the C front end emits one per statement): added to
   * the execution's covered lines, no event, no scheduling point.
   */
  | { readonly kind: "cover"; readonly file: string; readonly line: number };

export type Op = VisibleOp | LocalOp;

/**
 * `deadlock`: threads wait on mutexes none of them will release. `hang`: a thread
 * waits for a condition no thread will make true (a program that never signals a
 * spinning guest); a property of the program, not of the kernel.
 */
export type FaultKind = "lockdep" | "deadlock" | "hang" | "oops" | "warn";

/** A kernel path: yields ops, is resumed with the op's result, returns T. */
export type K<T> = Generator<Op, T, unknown>;

export function isVisible(op: Op): op is VisibleOp {
  return (
    op.kind === "read" || op.kind === "write" || op.kind === "rmw" || op.kind === "acquire" || op.kind === "release" || op.kind === "wait"
  );
}

// ---- the thin API transcriptions use ------------------------------------------------

/** `READ_ONCE(x)` or a plain load of a shared field. */
export function* READ<T>(cell: Cell<T>): K<T> {
  return (yield { kind: "read", cell }) as T;
}

/** `WRITE_ONCE(x, v)` or a plain store to a shared field. */
export function* WRITE<T>(cell: Cell<T>, value: T): K<void> {
  yield { kind: "write", cell, value };
}

/** An atomic update of a shared field; returns the new value. */
export function* RMW<T>(cell: Cell<T>, update: (old: T) => T): K<T> {
  return (yield { kind: "rmw", cell, update: update as (old: unknown) => unknown }) as T;
}

export function* mutex_lock(mutex: Mutex): K<void> {
  yield { kind: "acquire", mutex };
}

export function* mutex_unlock(mutex: Mutex): K<void> {
  yield { kind: "release", mutex };
}

/** Blocks until `until(value)` holds; returns the value. */
export function* WAIT_UNTIL<T>(cell: Cell<T>, until: (v: T) => boolean, why: string): K<T> {
  return (yield { kind: "wait", cell, until: until as (v: unknown) => boolean, why }) as T;
}

export function* lockdep_assert_held(mutex: Mutex, where: string): K<void> {
  yield { kind: "assert_held", mutex, where };
}

/** A choice point: the execution's decisions pick one of `options` (the first by default). */
export function* choose<T>(point: string, options: readonly T[]): K<T> {
  return (yield { kind: "choose", point, options }) as T;
}

export function* observe(what: string, data: Record<string, unknown>): K<void> {
  yield { kind: "observe", what, data };
}

/** `WARN_ON_ONCE(cond)`: records a warning when `cond` holds and returns `cond`. */
export function* WARN_ON_ONCE(cond: boolean, message: string): K<boolean> {
  if (cond) yield { kind: "fault", fault: "warn", message };
  return cond;
}

/** Marks line `line` of `file` (a variant's source) as run. */
export function* cover(file: string, line: number): K<void> {
  yield { kind: "cover", file, line };
}

/** A kernel oops (NULL dereference, BUG_ON): ends the execution as a finding. */
export function* oops(message: string): K<never> {
  yield { kind: "fault", fault: "oops", message };
  throw new Error("unreachable: the runtime stops a thread that oopses");
}
