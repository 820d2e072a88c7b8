/**
 * A target is a family of kernel paths under review (riscv-hgatp, arm64-memfault);
 * its variants are the patch versions. A `Subject` is one target@variant made ready
 * for the explorers: how to run a program, the call alphabet programs are drawn from,
 * the properties to check and the reference model.
 */
import type { ReferenceModel } from "../../model/reference.js";
import type { Property } from "../../properties/property.js";
import type { Execution } from "../kernel/rt/execution.js";
import type { Scheduler } from "../kernel/rt/scheduler.js";
import type { Call } from "../kernel/rt/trace.js";
import type { TargetHookTable } from "./hooks.js";
import type { PatchRef, VariantLines } from "./patch.js";

export type Threads = readonly (readonly Call[])[];

export interface Subject {
  readonly target: string;
  readonly variant: string;
  readonly summary: string;
  readonly patch: PatchRef;
  /** A variant from `--variant-file`: the file (absolute path); replaying its tokens needs it. */
  readonly source?: string;
  /** The lines of the variant's code, where it declares them: verdicts name those no execution ran. */
  readonly lines?: VariantLines;
  /** Caps the variant's patch adds (in no merged uapi header), by name: their numbers for C reproducers. */
  readonly patchCaps?: Readonly<Record<string, number>>;
  /** The finite set of calls programs are made of, simplest first (shrinking goes towards the front). */
  readonly alphabet: readonly Call[];
  /** The alphabet entries thread `tid` may use (all of them when absent); threads from 1 on share one. */
  readonly callsFor?: (tid: number) => readonly number[];
  /**
   * The smaller alphabet exhaustive mode enumerates (the random alphabet when absent):
   * a few argument values per call, enough to reach every documented outcome.
   */
  readonly exhaustive?: { readonly alphabet: readonly Call[]; readonly callsFor?: (tid: number) => readonly number[] };
  /** Calls run, one thread, before every program (not part of it, not explored). */
  readonly fixture?: readonly Call[];
  readonly properties: readonly Property[];
  /** Properties the target has but does not check under these options, and why (shown as n/a). */
  readonly unchecked?: readonly { readonly property: string; readonly statement: string; readonly why: string }[];
  readonly model: ReferenceModel<unknown>;
  /** Runs a program in a fresh kernel: deterministic given the scheduler's answers. */
  execute(threads: Threads, scheduler: Scheduler): Execution;
}

export interface VariantInfo {
  readonly name: string;
  readonly summary: string;
  readonly patch: PatchRef;
}

/** Options that change what a target checks (e.g. the contract reading). */
export type TargetOptions = Readonly<Record<string, string>>;

export interface Target {
  readonly name: string;
  readonly summary: string;
  readonly variants: readonly VariantInfo[];
  /** Option names this target accepts, with their allowed values. */
  readonly options?: Readonly<Record<string, readonly string[]>>;
  /** What a variant may supply (by kernel name) and use: hooks, kernel functions, shared fields. */
  readonly hooks: TargetHookTable;
  subject(variant: string, options?: TargetOptions): Subject;
}
