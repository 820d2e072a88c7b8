/**
 * The reference model of the riscv-hgatp target: the VM lifecycle as a version of the
 * series documents it, an xstate v5 machine that consumes completed calls
 * (`{ call, result }`) and accepts them or moves to `violated` with the reason.
 *
 *   created ──cap──▶ configured ──vCPU or memslot──▶ committed
 *      └──────────────vCPU or memslot───────────────────▲
 *
 * Besides the cap, it knows the results the contract depends on: KVM_CREATE_VCPU
 * (-EINVAL for an id out of range, -EEXIST for a duplicate), memslots (the generic
 * checks, and -EFAULT for a slot that does not fit the GPA space the mode allows),
 * KVM_CHECK_EXTENSION(KVM_CAP_VM_GPA_BITS), and KVM_RUN (-EBADF before the vCPU exists).
 * Transitions are pure (`transition()`), so the linearizability search can branch.
 */
import { assign, setup } from "xstate";
import type { Call, CallResult } from "../src/kernel/rt/trace.js";
import { EBADF, EEXIST, EFAULT, EINVAL, errnoName } from "../src/kernel/uapi/errno.js";
import {
  kvm_riscv_gstage_gpa_bits,
  kvm_riscv_gstage_gpa_size,
  kvm_riscv_gstage_max_pgd_levels,
} from "../src/kernel/riscv/gstage.js";
import { KVM_MAX_VCPU_IDS, KVM_MEM_SLOTS_NUM, PAGE_SIZE } from "../src/kernel/generic/kvm.js";
import type { GstageCapContract } from "./gstage-contract.js";
import type { Expectation as ContractExpectation } from "./expectation.js";
import { anything, exactly } from "./expectation.js";
import type { Slot } from "./memslots.js";
import { expectMemslot as expectMemslotRules } from "./memslots.js";
import { describeCall } from "../src/program/describe.js";
import { xstateReference } from "./reference.js";

export interface RiscvVmContext {
  readonly contract: GstageCapContract;
  readonly pgd_levels: number;
  readonly capSet: boolean;
  readonly vcpus: readonly number[];
  /** KVM_CREATE_VCPU calls past `created_vcpus++` whose vCPU is not there yet. */
  readonly reserved: number;
  readonly memslots: readonly Slot[];
  readonly violation: string | null;
}

/** `phase` 0 of KVM_CREATE_VCPU is its reservation; the last phase of any call is its result. */
export type RiscvVmEvent = { type: "call"; call: Call; result: CallResult; phase: number; tid: number };

type Expectation = ContractExpectation<RiscvVmContext>;

function committed(ctx: RiscvVmContext): boolean {
  return ctx.vcpus.length + ctx.reserved > 0 || ctx.memslots.length > 0;
}

/** KVM_CREATE_VCPU takes effect in two steps (see ReferenceModel.phases). */
export const riscvVmPhases = (call: Call): number => (call.ioctl === "KVM_CREATE_VCPU" ? 2 : 1);

function expectEnableCap(ctx: RiscvVmContext, call: Call): Expectation {
  const c = ctx.contract;
  const flags = Number(call.flags ?? 0);
  const args = (call.args as number[] | undefined) ?? [];
  if (flags !== 0 || call.cap !== c.cap) return exactly(-EINVAL);
  const levels = c.levelsFor(args[0] ?? 0);
  if (levels === null) return exactly(-EINVAL);
  const tooLate =
    (c.rejectAfterVcpu && ctx.vcpus.length + ctx.reserved > 0 ? "a vCPU exists" : null) ??
    (c.rejectAfterMemslot && ctx.memslots.length > 0 ? "a memslot exists" : null) ??
    (c.setOnce && ctx.capSet ? "the mode was already set" : null);
  if (tooLate) {
    return c.tooLateErrno !== null
      ? exactly(-c.tooLateErrno, undefined, tooLate)
      : { allows: (r) => r < 0, expected: `an error (${tooLate})`, next: () => ({}) };
  }
  return exactly(0, () => ({ pgd_levels: levels, capSet: true }));
}

function expectCreateVcpu(ctx: RiscvVmContext, call: Call, phase: number): Expectation {
  const id = Number(call.id);
  if (id < 0 || id >= KVM_MAX_VCPU_IDS) return phase === 0 ? anything() : exactly(-EINVAL);
  // created_vcpus++ under kvm->lock: from here "before vCPUs" checks fail.
  if (phase === 0) return anything((c) => ({ reserved: c.reserved + 1 }));
  const unreserve = (c: RiscvVmContext) => ({ reserved: c.reserved - 1 });
  if (ctx.vcpus.includes(id)) return exactly(-EEXIST, unreserve);
  return exactly(id, (c) => ({ ...unreserve(c), vcpus: [...c.vcpus, id] }));
}

function expectMemslot(ctx: RiscvVmContext, call: Call): Expectation {
  return expectMemslotRules(ctx, call, {
    userSlots: KVM_MEM_SLOTS_NUM,
    // The GPA space the mode allows (the kernel rejects a slot that reaches its end).
    beyondGpa: (base_gfn, npages) =>
      base_gfn + npages >= kvm_riscv_gstage_gpa_size(ctx.pgd_levels) / PAGE_SIZE ? { errno: EFAULT, why: "beyond the mode's GPA space" } : null,
  });
}

/** The documented result of `call` in state `ctx`. */
export function expectRiscvVm(ctx: RiscvVmContext, call: Call, phase = 0): Expectation {
  switch (call.ioctl) {
    case "KVM_ENABLE_CAP":
      return expectEnableCap(ctx, call);
    case "KVM_CREATE_VCPU":
      return expectCreateVcpu(ctx, call, phase);
    case "KVM_SET_USER_MEMORY_REGION":
      return expectMemslot(ctx, call);
    case "KVM_CHECK_EXTENSION": {
      if (call.cap !== "KVM_CAP_VM_GPA_BITS") return anything();
      const levels = call.fd === "system" ? kvm_riscv_gstage_max_pgd_levels : ctx.pgd_levels;
      return exactly(kvm_riscv_gstage_gpa_bits(levels));
    }
    case "KVM_RUN": {
      const id = Number((call.fd as { vcpu: number }).vcpu);
      if (!ctx.vcpus.includes(id)) return exactly(-EBADF);
      return exactly(0);
    }
    default:
      return anything();
  }
}

const violates = ({ context, event }: { context: RiscvVmContext; event: RiscvVmEvent }): boolean =>
  !expectRiscvVm(context, event.call, event.phase).allows(event.result.r);

const commits = ({ context, event }: { context: RiscvVmContext; event: RiscvVmEvent }): boolean => {
  const e = expectRiscvVm(context, event.call, event.phase);
  return committed({ ...context, ...e.next(context, event.result.r) });
};

const configures = ({ context, event }: { context: RiscvVmContext; event: RiscvVmEvent }): boolean =>
  event.call.ioctl === "KVM_ENABLE_CAP" && event.result.r === 0;

export const riscvVmMachine = setup({
  types: {
    context: {} as RiscvVmContext,
    events: {} as RiscvVmEvent,
    input: {} as { contract: GstageCapContract },
  },
  guards: { violates, commits, configures },
  actions: {
    apply: assign(({ context, event }) => expectRiscvVm(context, event.call, event.phase).next(context, event.result.r)),
    reject: assign(({ context, event }) => {
      const e = expectRiscvVm(context, event.call, event.phase);
      const got = event.result.r < 0 ? `-1 ${errnoName(-event.result.r)}` : String(event.result.r);
      return { violation: `${describeCall(event.call)} returned ${got}; the documentation promises ${e.expected}` };
    }),
  },
}).createMachine({
  id: "riscv-vm",
  context: ({ input }) => ({
    contract: input.contract,
    pgd_levels: kvm_riscv_gstage_max_pgd_levels,
    capSet: false,
    vcpus: [],
    reserved: 0,
    memslots: [],
    violation: null,
  }),
  initial: "created",
  states: {
    created: {
      on: {
        call: [
          { guard: "violates", target: "violated", actions: "reject" },
          { guard: "commits", target: "committed", actions: "apply" },
          { guard: "configures", target: "configured", actions: "apply" },
          { actions: "apply" },
        ],
      },
    },
    configured: {
      on: {
        call: [
          { guard: "violates", target: "violated", actions: "reject" },
          { guard: "commits", target: "committed", actions: "apply" },
          { actions: "apply" },
        ],
      },
    },
    committed: {
      on: {
        call: [
          { guard: "violates", target: "violated", actions: "reject" },
          { guard: "commits", actions: "apply" },
          // Every vCPU and memslot gone again (memslots deleted, never a vCPU): configurable again.
          { target: "created", actions: "apply" },
        ],
      },
    },
    violated: { type: "final" },
  },
});

/** The riscv-hgatp reference model for one version's documentation. */
export function riscvVmReference(contract: GstageCapContract) {
  return xstateReference(
    riscvVmMachine,
    { contract },
    (c: RiscvVmContext) => [c.pgd_levels, c.capSet, c.vcpus, c.reserved, c.memslots],
    riscvVmPhases,
  );
}
