/**
 * Runs one execution: userspace threads, each a list of ioctls, whose kernel paths
 * interleave at their visible ops. Given the program and the scheduler's answers
 * the execution is deterministic. The runtime knows nothing of how the answers are
 * found (random, PCT, DPOR, replay).
 */
import type { K, Op, VisibleOp } from "./ops.js";
import { isVisible, notAnOp } from "./ops.js";
import type { Scheduler } from "./scheduler.js";
import { CALL_INVOKED, CALL_RETURNED, ENDED, OBSERVED } from "./scheduler.js";
import type { SharedState } from "./state.js";
import type { Call, CallResult, Event } from "./trace.js";

export type Outcome =
  /** Every thread ran all its calls. */
  | "complete"
  /** No thread could step but some had not finished (a mutex deadlock, or a hang on a condition). */
  | "deadlock"
  /** A kernel path oopsed; the execution stops there. */
  | "oops"
  /** The scheduler stopped it: the rest would repeat an execution already explored. */
  | "pruned";

export interface Execution {
  /** Every shared cell's value before the first step. */
  readonly initial: Readonly<Record<string, unknown>>;
  readonly events: readonly Event[];
  readonly outcome: Outcome;
  /** For each step (visible op), the thread that took it. */
  readonly stepTids: readonly number[];
  /** For each step, the bitmask of threads that could have taken it. */
  readonly stepEnabled: readonly number[];
  /**
   * Where each step's stretch of events begins (its own event, or the invocation just
   * before it); the stretch runs to the next one's start. One entry more than there
   * are steps: where the events after the last step's stretch begin (the faults of a
   * deadlock). The events before the first stretch are the threads' runs up to their
   * first steps. Set by the runtime; absent from executions made otherwise.
   */
  readonly stepStarts?: readonly number[];
  /** The variant source lines the execution ran (`cover` ops), by file; absent when none ran. */
  readonly covered?: ReadonlyMap<string, ReadonlySet<number>>;
}

/** How a target turns one call into a kernel path over its world. */
export type IoctlFn<W> = (world: W, tid: number, call: Call, index: number) => K<CallResult>;

export interface ExecuteOptions {
  /** Steps one call may take before its path is called runaway (STEPS_PER_CALL by default). */
  readonly maxStepsPerCall?: number;
}

/**
 * The step budget of one call. Budgeting each call (not the execution) keeps a long
 * finite program (a thousand KVM_CREATE_VCPUs) within budget, while a path that loops
 * without end is stopped within this many steps of its call.
 */
export const STEPS_PER_CALL = 10_000;
/** `cover` ops one call may yield per step of its budget. */
const COVERS_PER_STEP = 20;

/**
 * The code under check did something no kernel path can: yielded what is not an op, or
 * looped without end. It is the transcription's error, not a finding about the kernel:
 * a variant file's (exit 2, named by its hook) or the tool's own (exit 3).
 */
export class KernelPathError extends Error {
  override name = "KernelPathError";
}

interface ThreadState {
  readonly tid: number;
  readonly calls: readonly Call[];
  index: number;
  gen: K<CallResult> | null;
  invoked: boolean;
  pending: VisibleOp | null;
  done: boolean;
  /** Steps taken by the call in progress. */
  steps: number;
  /** `cover` ops of the call in progress (a budget of their own: COVERS_PER_STEP per step). */
  covers: number;
}

export function execute<W>(
  world: W,
  shared: SharedState,
  threads: readonly (readonly Call[])[],
  ioctl: IoctlFn<W>,
  scheduler: Scheduler,
  options: ExecuteOptions = {},
): Execution {
  const maxSteps = options.maxStepsPerCall ?? STEPS_PER_CALL;
  const initial = shared.snapshot();
  const events: Event[] = [];
  const stepTids: number[] = [];
  const stepEnabled: number[] = [];
  const stepStarts: number[] = [];
  let outcome: Outcome | null = null;
  let covered: Map<string, Set<number>> | null = null;
  /** The invocations, returns and observations since the last step began (Scheduler.afterStep). */
  let stepEvents = 0;
  /** The calls invoked or returned since the last step began. */
  const stepCalls: Call[] = [];

  const ts: ThreadState[] = threads.map((calls, tid) => ({
    tid,
    calls,
    index: 0,
    gen: null,
    invoked: false,
    pending: null,
    done: false,
    steps: 0,
    covers: 0,
  }));

  /** Before a thread's first event of a call: its invocation. */
  const invoke = (t: ThreadState): void => {
    t.invoked = true;
    stepEvents |= CALL_INVOKED;
    stepCalls.push(t.calls[t.index]!);
    events.push({ i: events.length, tid: t.tid, call: t.index, kind: "invoke", ioctl: t.calls[t.index]! });
  };
  // Events are typed by kind; this builds the shared part. (The steps build theirs whole, in `run`: no spread per step.)
  const push = (t: ThreadState, e: Record<string, unknown>): void => {
    if (!t.invoked) invoke(t);
    events.push({ i: events.length, tid: t.tid, call: t.index, ...e } as unknown as Event);
  };

  /** Counts an op of `t`'s call against the call's budget. */
  const spend = (t: ThreadState): void => {
    if (++t.steps > maxSteps)
      throw new KernelPathError(
        `thread ${t.tid}'s ${t.calls[t.index]!.ioctl} (call ${t.index}) took more than ${maxSteps} ops without returning: a loop without end in its kernel path`,
      );
  };

  /** Runs thread `t` from `resume` up to its next visible op, handling local ops inline. */
  const advance = (t: ThreadState, resume: unknown): void => {
    let value = resume;
    for (;;) {
      if (t.gen === null) {
        if (t.index >= t.calls.length) {
          t.done = true;
          t.pending = null;
          return;
        }
        t.gen = ioctl(world, t.tid, t.calls[t.index]!, t.index);
        t.invoked = false;
        value = undefined;
      }
      const res = t.gen.next(value);
      if (res.done) {
        push(t, { kind: "return", result: res.value });
        stepEvents |= CALL_RETURNED;
        stepCalls.push(t.calls[t.index]!);
        t.gen = null;
        t.index++;
        t.steps = 0;
        t.covers = 0;
        continue;
      }
      const op: Op = res.value;
      if (isVisible(op)) {
        t.pending = op;
        return;
      }
      value = undefined;
      // A `cover` op records a line of the variant's source that ran, not work of the kernel
      // path: it has a larger budget of its own, so that the C interpreter's statement budget
      // (c/interp.ts STEP_BUDGET, which names the function that loops) fires first.
      if (op.kind !== "cover") spend(t);
      else if (++t.covers > maxSteps * COVERS_PER_STEP)
        throw new KernelPathError(
          `thread ${t.tid}'s ${t.calls[t.index]!.ioctl} (call ${t.index}) ran more than ${maxSteps * COVERS_PER_STEP} lines without returning: a loop without end in its kernel path`,
        );
      switch (op.kind) {
        case "choose": {
          const n = op.options.length;
          const k = n > 1 ? scheduler.pickChoice(op.point, n) : 0;
          value = op.options[k];
          push(t, { kind: "choice", point: op.point, value, of: n });
          break;
        }
        case "observe":
          push(t, { kind: "observe", what: op.what, data: op.data });
          stepEvents |= OBSERVED;
          break;
        case "cover": {
          covered ??= new Map();
          const lines = covered.get(op.file);
          if (lines) lines.add(op.line);
          else covered.set(op.file, new Set([op.line]));
          break;
        }
        case "assert_held":
          if (op.mutex.owner !== t.tid) {
            push(t, {
              kind: "fault",
              fault: "lockdep",
              message: `lockdep_assert_held(&${op.mutex.name}) failed in ${op.where}: not held by this thread`,
            });
          }
          break;
        case "fault":
          push(t, { kind: "fault", fault: op.fault, message: op.message });
          if (op.fault === "oops") {
            outcome = "oops";
            t.done = true;
            t.pending = null;
            return;
          }
          break;
        default:
          throw new KernelPathError(`thread ${t.tid}'s ${t.calls[t.index]!.ioctl} yielded ${notAnOp(op)}`);
      }
    }
  };

  const enabled = (t: ThreadState): boolean => {
    const op = t.pending;
    if (op === null) return false;
    if (op.kind === "acquire") return op.mutex.owner === null;
    if (op.kind === "wait") return op.until(op.cell.value);
    return true;
  };

  const run = (t: ThreadState, op: VisibleOp): unknown => {
    if (!t.invoked) invoke(t);
    const { tid, index: call } = t;
    switch (op.kind) {
      case "read":
      case "wait":
        events.push({ i: events.length, tid, call, kind: "read", loc: op.cell.name, value: op.cell.value });
        return op.cell.value;
      case "write": {
        const old = op.cell.value;
        op.cell.value = op.value;
        events.push({ i: events.length, tid, call, kind: "write", loc: op.cell.name, value: op.value, old });
        return undefined;
      }
      case "rmw": {
        const old = op.cell.value;
        const value = op.update(old);
        op.cell.value = value;
        events.push({ i: events.length, tid, call, kind: "write", loc: op.cell.name, value, old });
        return value;
      }
      case "acquire":
        op.mutex.owner = t.tid;
        events.push({ i: events.length, tid, call, kind: "acquire", loc: op.mutex.name });
        return undefined;
      case "release":
        if (op.mutex.owner !== t.tid) {
          push(t, { kind: "fault", fault: "oops", message: `mutex_unlock(&${op.mutex.name}) by a thread that does not hold it` });
          outcome = "oops";
          return undefined;
        }
        op.mutex.owner = null;
        events.push({ i: events.length, tid, call, kind: "release", loc: op.mutex.name });
        return undefined;
    }
  };

  for (const t of ts) {
    advance(t, undefined);
    if (outcome) break;
  }

  let current = -1;
  const pendingOf = (tid: number): VisibleOp => ts[tid]!.pending!;
  while (outcome === null) {
    const can: number[] = [];
    let mask = 0;
    for (const t of ts) {
      if (enabled(t)) {
        can.push(t.tid);
        mask |= 1 << t.tid;
      }
    }
    if (can.length === 0) {
      const waiting = ts.filter((t) => !t.done);
      if (waiting.length === 0) {
        outcome = "complete";
        break;
      }
      // A thread waiting on a condition nobody will make true hangs; threads queued on
      // mutexes behind it hang with it. Only mutex waits among themselves deadlock.
      const hung = waiting.some((t) => t.pending?.kind === "wait");
      stepStarts.push(events.length); // the faults below follow every stretch
      for (const t of waiting) {
        const op = t.pending;
        const message =
          op?.kind === "wait"
            ? `thread ${t.tid} waits forever: ${op.why}`
            : op?.kind === "acquire"
              ? `thread ${t.tid} waits for ${op.mutex.name}, held by thread ${op.mutex.owner}`
              : `thread ${t.tid} cannot make progress`;
        push(t, { kind: "fault", fault: hung ? "hang" : "deadlock", message });
      }
      outcome = "deadlock";
      break;
    }
    const tid = can.length === 1 ? can[0]! : scheduler.pickThread(can, current, pendingOf);
    if (tid < 0) {
      outcome = "pruned";
      break;
    }
    const t = ts[tid]!;
    spend(t);
    const op = t.pending!;
    t.pending = null;
    stepTids.push(tid);
    stepEnabled.push(mask);
    stepStarts.push(events.length);
    current = tid;
    stepEvents = 0;
    stepCalls.length = 0;
    const result = run(t, op);
    scheduler.onStep?.(tid, op);
    if (!outcome) advance(t, result);
    scheduler.afterStep?.(tid, outcome ? stepEvents | ENDED : stepEvents, stepCalls);
    if (outcome) break;
  }

  if (stepStarts.length === stepTids.length) stepStarts.push(events.length);
  return covered
    ? { initial, events, outcome, stepTids, stepEnabled, stepStarts, covered }
    : { initial, events, outcome, stepTids, stepEnabled, stepStarts };
}

/** Context switches away from a thread that could have gone on. */
export function preemptions(ex: Pick<Execution, "stepTids" | "stepEnabled">): number {
  let n = 0;
  for (let s = 1; s < ex.stepTids.length; s++) {
    const prev = ex.stepTids[s - 1]!;
    if (ex.stepTids[s] !== prev && (ex.stepEnabled[s]! & (1 << prev)) !== 0) n++;
  }
  return n;
}
