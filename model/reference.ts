/**
 * A reference machine seen as the checkers use it: a pure step function over
 * snapshots. Built on xstate's `initialTransition()` / `transition()`, so nothing is
 * executed for effects and a search can branch from any snapshot.
 */
import type { AnyMachineSnapshot, AnyStateMachine } from "xstate";
import { initialTransition, transition } from "xstate";
import type { Call, CallResult } from "../src/kernel/rt/trace.js";
import { machineGraph } from "./graph.js";

/**
 * `edge`: the machine transition the step took (its id in `machineGraph`), for coverage;
 * a rejection's edge is the one into the violation state.
 */
export type StepResult<S> =
  | { readonly ok: true; readonly next: S; readonly edge?: string }
  | { readonly ok: false; readonly reason: string; readonly edge?: string };

export interface ReferenceModel<S = unknown> {
  readonly machine: AnyStateMachine;
  initial(): S;
  /**
   * How many steps a call takes effect in (default 1). KVM_CREATE_VCPU takes two: it
   * reserves the vCPU (`created_vcpus++`, after which every "before vCPUs" check fails)
   * long before the vCPU and its fd exist. Each step is a linearization point of its own,
   * in order, within the call's interval.
   */
  phases(call: Call): number;
  /** Feed step `phase` of a completed call made by thread `tid`; a rejection says why. */
  step(s: S, call: Call, result: CallResult, phase: number, tid: number): StepResult<S>;
  /** Equal keys mean equal states (for memoising searches). */
  key(s: S): string;
  /** The state's name in the machine (for reports and coverage). */
  stateName(s: S): string;
}

/** Entries of a model's step cache before it starts afresh. */
const MEMO_LIMIT = 200_000;

interface ViolationContext {
  readonly violation: string | null;
}

/**
 * Wraps a machine whose events are `{ type: "call", call, result }` and whose context
 * carries `violation` (set when it moves to its `violated` state). `keyOf` picks the
 * context fields that make up the state (leaving out constants such as the contract).
 */
export function xstateReference<C extends ViolationContext>(
  machine: AnyStateMachine,
  input: unknown,
  keyOf: (context: C) => unknown,
  phases: (call: Call) => number = () => 1,
): ReferenceModel<AnyMachineSnapshot> {
  // xstate's own types cannot see through a generic machine; the casts stay here.
  const start = initialTransition as (m: AnyStateMachine, input: unknown) => [AnyMachineSnapshot, unknown];
  const step = transition as (m: AnyStateMachine, s: AnyMachineSnapshot, e: unknown) => [AnyMachineSnapshot, unknown];
  const key = (s: AnyMachineSnapshot) => JSON.stringify([s.value, keyOf(s.context as C)]);
  // Snapshots are immutable and transitions pure, so results can be shared across
  // searches: the programs come from a small alphabet and revisit the same states.
  // (An xstate transition costs tens of microseconds; a lookup, well under one.)
  const initial = start(machine, input)[0];
  const keys = new WeakMap<AnyMachineSnapshot, string>();
  const keyOfSnapshot = (s: AnyMachineSnapshot): string => {
    let k = keys.get(s);
    if (k === undefined) keys.set(s, (k = key(s)));
    return k;
  };
  const callKeys = new WeakMap<Call, string>();
  const memo = new Map<string, StepResult<AnyMachineSnapshot>>();
  const graph = machineGraph(machine);
  return {
    machine,
    initial: () => initial,
    phases,
    step(s, call, result, phase, tid) {
      let ck = callKeys.get(call);
      if (ck === undefined) callKeys.set(call, (ck = JSON.stringify(call)));
      const mk = `${keyOfSnapshot(s)}|${ck}|${JSON.stringify(result)}|${phase}|${tid}`;
      const hit = memo.get(mk);
      if (hit) return hit;
      const event = { type: "call", call, result, phase, tid };
      const [next] = step(machine, s, event);
      const ctx = next.context as C;
      // Which guarded transition fired (memoised with the step, so coverage costs nothing per step).
      const edge = graph.idOf(machine.getTransitionData(s, event as never)[0]);
      const r: StepResult<AnyMachineSnapshot> = ctx.violation ? { ok: false, reason: ctx.violation, edge } : { ok: true, next, edge };
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(mk, r);
      return r;
    },
    key: keyOfSnapshot,
    stateName: (s) => (typeof s.value === "string" ? s.value : JSON.stringify(s.value)),
  };
}

/** Feeds a sequential history in order; the first rejection, with its index. */
export function runSequential<S>(
  model: ReferenceModel<S>,
  history: readonly { call: Call; result: CallResult; tid?: number }[],
): { ok: true; final: S } | { ok: false; index: number; reason: string } {
  let s = model.initial();
  for (let i = 0; i < history.length; i++) {
    const h = history[i]!;
    for (let phase = 0; phase < model.phases(h.call); phase++) {
      const r = model.step(s, h.call, h.result, phase, h.tid ?? 0);
      if (!r.ok) return { ok: false, index: i, reason: r.reason };
      s = r.next;
    }
  }
  return { ok: true, final: s };
}
