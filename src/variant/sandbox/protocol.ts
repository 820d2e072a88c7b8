/**
 * What the checker and a variant file's sandbox (a worker thread: sandbox/guest.ts)
 * say to each other. Requests go to the worker as messages; the answer to `execute`
 * comes back synchronously (a MessagePort read with `receiveMessageOnPort` after
 * `Atomics.wait` on the control array), the answers to jobs as messages.
 *
 * The control array (Int32 slots in a SharedArrayBuffer) is how the checker sees into a
 * worker that no longer answers: which hook of the variant is running, whether it still
 * makes progress, whether the thread has ended.
 */
import type { CheckReport, RandomOptions } from "../../explore/random.js";
import type { ExhaustiveOptions, ExhaustiveResult } from "../../explore/exhaustive/check.js";
import type { Execution } from "../../kernel/rt/execution.js";
import type { TargetOptions, Threads } from "../../targets/target.js";
import type { Verdict } from "../../../properties/property.js";

/** Slots of the control array. */
export const SLOT = {
  /** Bumped (and notified) after each synchronous reply is posted. */
  replies: 0,
  /** 1 + the index (in `hooks`) of the variant hook running now; 0 in the checker's own code. */
  hook: 1,
  /** Bumped each time a variant hook returns to the checker: a hook that does not move it is stuck. */
  beat: 2,
  /** Set when the worker's thread ends (process.exit, an uncaught throw). */
  ended: 3,
} as const;
export const SLOTS = 4;

export interface GuestData {
  /** The variant file as the user named it (messages say this). */
  readonly path: string;
  readonly control: SharedArrayBuffer;
  /** Synchronous replies. */
  readonly port: MessagePort;
  /** The module to run (worker-boot.mjs loads it when the checker runs from its TypeScript sources). */
  readonly module: string;
}

export type Request =
  | { readonly id: number; readonly kind: "execute"; readonly options: TargetOptions; readonly threads: Threads; readonly decisions: readonly number[] }
  | { readonly id: number; readonly kind: "random"; readonly options: TargetOptions; readonly opts: RandomOptions }
  | { readonly id: number; readonly kind: "exhaustive"; readonly options: TargetOptions; readonly opts: Omit<ExhaustiveOptions, "onProgress"> };

/**
 * A function of the variant (or a shipped object it holds whole): where it is in the
 * default export, whether it is a kernel path, and which of the tool's own it is (own.ts).
 */
export interface FunctionField {
  readonly path: readonly string[];
  readonly generator: boolean;
  readonly own?: string;
}

export type Reply =
  | { readonly kind: "loaded"; readonly variant: unknown; readonly functions: readonly FunctionField[]; readonly hooks: readonly string[] }
  | { readonly id: number; readonly kind: "executed"; readonly execution: Execution; readonly used: readonly number[]; readonly options: readonly number[]; readonly verdicts: Readonly<Record<string, Verdict>> }
  | { readonly id: number; readonly kind: "progress"; readonly done: number; readonly total: number; readonly executions: number }
  | { readonly id: number; readonly kind: "random"; readonly result: CheckReport }
  | { readonly id: number; readonly kind: "exhaustive"; readonly result: ExhaustiveResult }
  /** The variant's fault (exit 2). */
  | { readonly id?: number; readonly kind: "input-error"; readonly message: string }
  /** The checker's own (exit 3). */
  | { readonly id?: number; readonly kind: "error"; readonly message: string };
