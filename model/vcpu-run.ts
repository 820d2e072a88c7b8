/**
 * The reference model of the memory-fault targets: the vCPU run cycle, what `kvm_run`
 * may hold after each KVM_RUN return, at one of two readings of api.rst:
 *
 * - `doc`: api.rst as Sean Christopherson reads it. Exit information is meaningful
 *   with a 0 return, and KVM_EXIT_MEMORY_FAULT with -1/EFAULT or -1/EHWPOISON; for any
 *   other errno "userspace should assume kvm_run.exit_reason is stale/undefined", so
 *   nothing is promised.
 * - `strict`: the invariant this project exists for: KVM_EXIT_MEMORY_FAULT is never
 *   visible after a return other than -1/EFAULT or -1/EHWPOISON, whether this run wrote
 *   it or an earlier one left it.
 *
 *   idle ──KVM_RUN = 0──▶ exited ──KVM_RUN < 0──▶ failed   (and back, any order)
 *
 * It knows the fixture (vCPU 0, a guest_memfd memslot at slot 0), the signals sent to
 * each thread (pending until that thread's next KVM_RUN consumes one with -EINTR), and
 * what the guest does on each run (the call's `guest`).
 */
import { assign, setup } from "xstate";
import type { Call, CallResult } from "../src/kernel/rt/trace.js";
import { GMEM_GPA, guestScript } from "../src/kernel/generic/guest.js";
import { KVM_GMEM_GET_PFN_RESULTS } from "../src/kernel/generic/guest_memfd.js";
import { PAGE_SIZE } from "../src/kernel/generic/kvm.js";
import { EBADF, EFAULT, EHWPOISON, EINTR, EINVAL, formatReturn } from "../src/kernel/uapi/errno.js";
import { KVM_EXIT_MEMORY_FAULT, KVM_EXIT_MMIO, exitName } from "../src/kernel/uapi/exits.js";
import { describeCall } from "../src/program/describe.js";
import { xstateReference } from "./reference.js";

export type MemfaultReading = "doc" | "strict";
export const MEMFAULT_READINGS: readonly MemfaultReading[] = ["strict", "doc"];

export interface VcpuRunInput {
  readonly reading: MemfaultReading;
  /** x86 rejects unknown `kvm_valid_regs` bits with -EINVAL; arm64 has no sync regs. */
  readonly syncRegs: boolean;
}

export interface VcpuRunContext extends VcpuRunInput {
  readonly vcpus: readonly number[];
  readonly gmemSlot: boolean;
  /** Threads with a signal pending. */
  readonly pending: readonly number[];
  /** `kvm_run->kvm_valid_regs` as userspace last set it: the field stays until rewritten. */
  readonly valid_regs: number;
  readonly violation: string | null;
}

export type VcpuRunEvent = { type: "call"; call: Call; result: CallResult; phase: number; tid: number };

interface Expectation {
  readonly allows: (res: CallResult) => boolean;
  readonly expected: string;
  readonly next: (ctx: VcpuRunContext, res: CallResult) => Partial<VcpuRunContext>;
}

const none = () => ({});
const exitOf = (res: CallResult) => Number(res.run?.exit_reason ?? -1);
const isMemfaultErrno = (r: number) => r === -EFAULT || r === -EHWPOISON;

/** The memory-fault exit the gmem access would describe. */
const rightFault = (res: CallResult) => Number(res.run?.["memory_fault.gpa"]) === GMEM_GPA && Number(res.run?.["memory_fault.size"]) === PAGE_SIZE;

/** After an error return `r`: what exit_reason may show under this reading. */
function errorExitAllowed(ctx: VcpuRunContext, res: CallResult): boolean {
  if (ctx.reading === "doc") return true; // stale/undefined for other errnos
  return exitOf(res) !== KVM_EXIT_MEMORY_FAULT;
}

function expectRun(ctx: VcpuRunContext, call: Call, tid: number): Expectation {
  const id = Number((call.fd as { vcpu: number }).vcpu);
  if (!ctx.vcpus.includes(id)) return { allows: (res) => res.r === -EBADF, expected: formatReturn(-EBADF), next: none };
  const strict = ctx.reading === "strict";
  const eintr = (what: string, next: Expectation["next"]): Expectation => ({
    allows: (res) => res.r === -EINTR && errorExitAllowed(ctx, res),
    expected: strict ? `-1 EINTR (${what}) without KVM_EXIT_MEMORY_FAULT` : `-1 EINTR (${what})`,
    next,
  });
  const valid_regs = call.kvm_valid_regs === undefined ? ctx.valid_regs : Number(call.kvm_valid_regs);
  const sticky = () => ({ valid_regs });
  if (ctx.syncRegs && valid_regs & ~0x7)
    return {
      allows: (res) => res.r === -EINVAL && errorExitAllowed(ctx, res),
      expected: `-1 EINVAL (bad kvm_valid_regs)${strict ? " without KVM_EXIT_MEMORY_FAULT" : ""}`,
      next: sticky,
    };
  if (Number(call.immediate_exit ?? 0)) return eintr("immediate_exit", sticky);
  // KVM_EXIT_INTR is what the kernel sets, but neither reading promises it: after
  // -1/EINTR exit_reason is only required not to claim a memory fault (strict).
  if (ctx.pending.includes(tid))
    return eintr("a signal is pending", (c) => ({ valid_regs, pending: c.pending.filter((t) => t !== tid) }));
  const guest = guestScript(call.guest);
  if (guest === "none") return { allows: () => false, expected: "no return: the guest spins and no signal was sent", next: sticky };
  const mmioExit = (res: CallResult) => res.r === 0 && exitOf(res) === KVM_EXIT_MMIO;
  if (guest === "mmio" || !ctx.gmemSlot) return { allows: mmioExit, expected: "0 with KVM_EXIT_MMIO", next: sticky };
  // A guest_memfd access: kvm_gmem_get_pfn() may give a page or any of its errors.
  const errors = KVM_GMEM_GET_PFN_RESULTS.filter((r) => r < 0);
  return {
    allows: (res) => {
      if (mmioExit(res)) return true;
      if (!errors.includes(res.r)) return false;
      if (isMemfaultErrno(res.r)) return exitOf(res) !== KVM_EXIT_MEMORY_FAULT || rightFault(res);
      return errorExitAllowed(ctx, res);
    },
    expected: strict
      ? "0 with KVM_EXIT_MMIO, -1 EFAULT/EHWPOISON (KVM_EXIT_MEMORY_FAULT for the access), or another gmem errno without KVM_EXIT_MEMORY_FAULT"
      : "0 with KVM_EXIT_MMIO, or -1 with an errno kvm_gmem_get_pfn() can give",
    next: sticky,
  };
}

function expectMemslot(ctx: VcpuRunContext, call: Call): Expectation {
  const deleting = Number(call.memory_size) === 0;
  if (deleting) {
    if (!ctx.gmemSlot) return { allows: (res) => res.r === -EINVAL, expected: formatReturn(-EINVAL), next: none };
    return { allows: (res) => res.r === 0, expected: "0", next: () => ({ gmemSlot: false }) };
  }
  return { allows: (res) => res.r === 0, expected: "0", next: () => ({ gmemSlot: true }) };
}

export function expectVcpuRun(ctx: VcpuRunContext, call: Call, tid: number): Expectation {
  switch (call.ioctl) {
    case "KVM_RUN":
      return expectRun(ctx, call, tid);
    case "pthread_kill": {
      const target = Number(call.thread);
      return {
        allows: (res) => res.r === 0,
        expected: "0",
        next: (c) => ({ pending: c.pending.includes(target) ? c.pending : [...c.pending, target] }),
      };
    }
    case "KVM_SET_USER_MEMORY_REGION2":
      return expectMemslot(ctx, call);
    default:
      return { allows: () => true, expected: "anything", next: none };
  }
}

function describe(call: Call, res: CallResult): string {
  const exit = res.run ? `, exit_reason ${exitName(exitOf(res))}` : "";
  return `${describeCall(call)} returned ${formatReturn(res.r)}${exit}`;
}

type Args = { context: VcpuRunContext; event: VcpuRunEvent };
const violates = ({ context, event }: Args) => !expectVcpuRun(context, event.call, event.tid).allows(event.result);
const returnedOk = ({ event }: Args) => event.call.ioctl === "KVM_RUN" && event.result.r === 0;
const returnedError = ({ event }: Args) => event.call.ioctl === "KVM_RUN" && event.result.r < 0;

const transitions = [
  { guard: "violates", target: "violated", actions: "reject" },
  { guard: "returnedOk", target: "exited", actions: "apply" },
  { guard: "returnedError", target: "failed", actions: "apply" },
  { actions: "apply" },
] as const;

export const vcpuRunMachine = setup({
  types: { context: {} as VcpuRunContext, events: {} as VcpuRunEvent, input: {} as VcpuRunInput },
  guards: { violates, returnedOk, returnedError },
  actions: {
    apply: assign(({ context, event }) => expectVcpuRun(context, event.call, event.tid).next(context, event.result)),
    reject: assign(({ context, event }) => ({
      violation: `${describe(event.call, event.result)}; the ${context.reading} reading allows ${expectVcpuRun(context, event.call, event.tid).expected}`,
    })),
  },
}).createMachine({
  id: "vcpu-run",
  context: ({ input }) => ({ ...input, vcpus: [0], gmemSlot: true, pending: [], valid_regs: 0, violation: null }),
  initial: "idle",
  states: {
    idle: { on: { call: [...transitions] } },
    exited: { on: { call: [...transitions] } },
    failed: { on: { call: [...transitions] } },
    violated: { type: "final" },
  },
});

export function vcpuRunReference(input: VcpuRunInput) {
  return xstateReference(vcpuRunMachine, input, (c: VcpuRunContext) => [c.vcpus, c.gmemSlot, c.pending, c.valid_regs]);
}
