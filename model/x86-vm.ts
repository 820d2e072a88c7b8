/**
 * The reference model of the x86-caps target: the VM-wide configuration contract of
 * Documentation/virt/kvm/api.rst for the x86 calls the target issues, as an xstate v5
 * machine over completed calls (`{ call, result }`), with pure transitions.
 *
 *   configuring ──first vCPU reserved──▶ vcpus ──(a failed create gives its reservation back)──▶ configuring
 *
 * What api.rst says, call by call (4.x = section of api.rst):
 * - 4.7 KVM_CREATE_VCPU: ids in [0, KVM_CAP_MAX_VCPU_ID); at most KVM_CAP_MAX_VCPUS
 *   vCPUs; a duplicate id fails (-EEXIST). 7.x KVM_CAP_MAX_VCPU_ID: "the maximum vcpu
 *   id can be set only once, ... before any vcpu is created" (the first vCPU fixes it
 *   at KVM_MAX_VCPU_IDS if unset; the same value again is accepted).
 * - 4.24 KVM_CREATE_IRQCHIP: before vCPUs; -EEXIST for a second irqchip.
 * - 7.x KVM_CAP_SPLIT_IRQCHIP: "fails if a VCPU has already been created, or if the
 *   irqchip is already in the kernel" (-EEXIST); args[0] up to KVM_MAX_IRQ_ROUTES.
 * - 7.x KVM_CAP_X86_DISABLE_EXITS: only bits KVM_CHECK_EXTENSION reports; "must be
 *   called before any vCPU is created" (-EINVAL after).
 * - 7.x KVM_CAP_X2APIC_API: any time; unknown flags, or ENABLE and DISABLE of EOI
 *   broadcast suppression together, or ENABLE without a split irqchip: -EINVAL.
 * - 4.x KVM_SET_BOOT_CPU_ID: before vCPUs (-EBUSY); not above the max vcpu id.
 * - 8.x KVM_CAP_DIRTY_LOG_RING(_ACQ_REL): a power-of-two size from one page up to the
 *   reported maximum (-E2BIG above), set once, before vCPUs; any flags.
 * - 4.35 KVM_SET_USER_MEMORY_REGION: the generic checks (flags, alignment, slot ids,
 *   overlap -EEXIST, delete/move/flags-only rules) and the GPA limit.
 * - KVM_CHECK_EXTENSION: the values the host reports (kernel-facts H, measured).
 *
 * Numbers that depend on the host come from src/kernel/x86/caps.ts, the same constants
 * the kernel model uses, so the model and the kernel agree on what the host is.
 */
import { assign, setup } from "xstate";
import type { Call, CallResult } from "../src/kernel/rt/trace.js";
import { E2BIG, EBUSY, EEXIST, EINVAL, errnoName } from "../src/kernel/uapi/errno.js";
import { KVM_MAX_VCPUS, PAGE_SIZE } from "../src/kernel/generic/kvm.js";
import { KVM_DIRTY_RING_MAX_ENTRIES, SIZEOF_KVM_DIRTY_GFN } from "../src/kernel/generic/enable_cap.js";
import {
  KVM_MAX_IRQ_ROUTES,
  KVM_MMU_MAX_GFN,
  KVM_X2APIC_API_VALID_FLAGS,
  KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST,
  KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST,
  KVM_X86_ALLOWED_DISABLE_EXITS,
  X86_KVM_MAX_VCPU_IDS,
  X86_KVM_USER_MEM_SLOTS,
} from "../src/kernel/x86/caps.js";
import { describeCall } from "../src/program/describe.js";
import type { Expectation as ContractExpectation } from "./expectation.js";
import { anything, exactly } from "./expectation.js";
import type { Slot } from "./memslots.js";
import { expectMemslot as expectMemslotRules } from "./memslots.js";
import { xstateReference } from "./reference.js";

type Irqchip = "none" | "kernel" | "split";

export interface X86VmContext {
  readonly vcpus: readonly number[];
  /** KVM_CREATE_VCPU calls that reserved a vCPU (created_vcpus++) and have not returned. */
  readonly reserved: number;
  /** Per thread: whether its KVM_CREATE_VCPU in flight reserved a vCPU or was refused at reservation. */
  readonly pending: Readonly<Record<string, "reserved" | "refused">>;
  readonly irqchip: Irqchip;
  /** 0 while unset. */
  readonly maxVcpuIds: number;
  readonly bspVcpuId: number;
  readonly dirtyRingSize: number;
  readonly memslots: readonly Slot[];
  readonly violation: string | null;
}

export type X86VmEvent = { type: "call"; call: Call; result: CallResult; phase: number; tid: number };

type Expectation = ContractExpectation<X86VmContext>;

const DIRTY_RING_MAX = KVM_DIRTY_RING_MAX_ENTRIES * SIZEOF_KVM_DIRTY_GFN;

const vcpuExists = (c: X86VmContext): boolean => c.vcpus.length + c.reserved > 0;

/** KVM_CREATE_VCPU takes effect in two steps: the reservation (created_vcpus++) and the result. */
export const x86VmPhases = (call: Call): number => (call.ioctl === "KVM_CREATE_VCPU" ? 2 : 1);

function expectEnableCap(ctx: X86VmContext, call: Call): Expectation {
  const flags = Number(call.flags ?? 0);
  const a0 = Number(((call.args as number[] | undefined) ?? [])[0] ?? 0);
  switch (call.cap) {
    case "KVM_CAP_DIRTY_LOG_RING":
    case "KVM_CAP_DIRTY_LOG_RING_ACQ_REL": {
      const size = a0 >>> 0;
      if (!size || size & (size - 1) || size < PAGE_SIZE) return exactly(-EINVAL, undefined, "size not a power of two of at least a page");
      if (size > DIRTY_RING_MAX) return exactly(-E2BIG, undefined, "size above the maximum");
      if (ctx.dirtyRingSize) return exactly(-EINVAL, undefined, "the ring size was set already");
      if (vcpuExists(ctx)) return exactly(-EINVAL, undefined, "a vCPU exists");
      return exactly(0, () => ({ dirtyRingSize: size }));
    }
  }
  if (flags) return exactly(-EINVAL, undefined, "flags must be 0");
  switch (call.cap) {
    case "KVM_CAP_SPLIT_IRQCHIP":
      if (a0 > KVM_MAX_IRQ_ROUTES) return exactly(-EINVAL);
      if (ctx.irqchip !== "none") return exactly(-EEXIST, undefined, "an irqchip exists");
      if (vcpuExists(ctx)) return exactly(-EEXIST, undefined, "a vCPU exists");
      return exactly(0, () => ({ irqchip: "split" }));
    case "KVM_CAP_X2APIC_API":
      if (a0 & ~KVM_X2APIC_API_VALID_FLAGS) return exactly(-EINVAL);
      if (a0 & KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST && a0 & KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST) return exactly(-EINVAL);
      if (a0 & KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST && ctx.irqchip !== "split")
        return exactly(-EINVAL, undefined, "EOI broadcast suppression needs a split irqchip");
      return exactly(0);
    case "KVM_CAP_X86_DISABLE_EXITS":
      if (a0 & ~KVM_X86_ALLOWED_DISABLE_EXITS) return exactly(-EINVAL, undefined, "an exit the host does not allow");
      if (vcpuExists(ctx)) return exactly(-EINVAL, undefined, "a vCPU exists");
      return exactly(0);
    case "KVM_CAP_MAX_VCPU_ID":
      if (a0 > X86_KVM_MAX_VCPU_IDS) return exactly(-EINVAL);
      if (ctx.bspVcpuId > a0) return exactly(-EINVAL, undefined, "below the boot vCPU id");
      if (ctx.maxVcpuIds === a0) return exactly(0);
      if (!ctx.maxVcpuIds) return exactly(0, () => ({ maxVcpuIds: a0 }));
      return exactly(-EINVAL, undefined, `already ${ctx.maxVcpuIds}`);
    default:
      return exactly(-EINVAL, undefined, "not a VM capability on x86");
  }
}

function expectCreateVcpu(ctx: X86VmContext, call: Call, phase: number, tid: number): Expectation {
  const id = Number(call.id);
  const key = String(tid);
  if (id < 0 || id >= X86_KVM_MAX_VCPU_IDS) return phase === 0 ? anything() : exactly(-EINVAL);
  if (phase === 0) {
    // Under kvm->lock: the vCPU count, then kvm_arch_vcpu_precreate() fixes max_vcpu_ids.
    return anything((c) => {
      if (c.vcpus.length + c.reserved >= KVM_MAX_VCPUS) return { pending: { ...c.pending, [key]: "refused" } };
      const max = c.maxVcpuIds || X86_KVM_MAX_VCPU_IDS;
      if (id >= max) return { maxVcpuIds: max, pending: { ...c.pending, [key]: "refused" } };
      return { maxVcpuIds: max, reserved: c.reserved + 1, pending: { ...c.pending, [key]: "reserved" } };
    });
  }
  const { [key]: mine, ...others } = ctx.pending;
  if (mine !== "reserved") return exactly(-EINVAL, () => ({ pending: others }), "id at or above the max vcpu id, or too many vCPUs");
  const release = (c: X86VmContext) => ({ reserved: c.reserved - 1, pending: others });
  if (ctx.vcpus.includes(id)) return exactly(-EEXIST, release, "duplicate id");
  // A successful KVM_CREATE_VCPU returns an fd; both worlds report it as 0.
  return exactly(0, (c) => ({ ...release(c), vcpus: [...c.vcpus, id] }));
}

function expectMemslot(ctx: X86VmContext, call: Call): Expectation {
  return expectMemslotRules(ctx, call, {
    userSlots: X86_KVM_USER_MEM_SLOTS,
    beyondGpa: (base_gfn, npages, creates) =>
      creates && base_gfn + npages - 1 > KVM_MMU_MAX_GFN ? { errno: EINVAL, why: "beyond the GPA limit" } : null,
  });
}

function expectCheckExtension(ctx: X86VmContext, call: Call): Expectation {
  const onVm = call.fd === "vm";
  switch (call.cap) {
    case "KVM_CAP_IRQCHIP":
    case "KVM_CAP_SET_BOOT_CPU_ID":
    case "KVM_CAP_SPLIT_IRQCHIP":
      return exactly(1);
    case "KVM_CAP_NR_MEMSLOTS":
      return exactly(X86_KVM_USER_MEM_SLOTS);
    case "KVM_CAP_MAX_VCPUS":
      return exactly(KVM_MAX_VCPUS);
    case "KVM_CAP_MAX_VCPU_ID":
      return exactly(X86_KVM_MAX_VCPU_IDS);
    case "KVM_CAP_X86_DISABLE_EXITS":
      return exactly(KVM_X86_ALLOWED_DISABLE_EXITS);
    case "KVM_CAP_DIRTY_LOG_RING":
    case "KVM_CAP_DIRTY_LOG_RING_ACQ_REL":
      return exactly(DIRTY_RING_MAX);
    case "KVM_CAP_X2APIC_API":
      // On a VM fd, ENABLE_SUPPRESS_EOI_BROADCAST is offered only with a split irqchip.
      return exactly(onVm && ctx.irqchip !== "split" ? KVM_X2APIC_API_VALID_FLAGS & ~KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST : KVM_X2APIC_API_VALID_FLAGS);
    default:
      return anything();
  }
}

/** The documented result of `call` in state `ctx` (phase: see x86VmPhases). */
export function expectX86Vm(ctx: X86VmContext, call: Call, phase = 0, tid = 0): Expectation {
  switch (call.ioctl) {
    case "KVM_ENABLE_CAP":
      return expectEnableCap(ctx, call);
    case "KVM_CREATE_VCPU":
      return expectCreateVcpu(ctx, call, phase, tid);
    case "KVM_CREATE_IRQCHIP":
      if (ctx.irqchip !== "none") return exactly(-EEXIST, undefined, "an irqchip exists");
      if (vcpuExists(ctx)) return exactly(-EINVAL, undefined, "a vCPU exists");
      return exactly(0, () => ({ irqchip: "kernel" }));
    case "KVM_SET_BOOT_CPU_ID": {
      const id = Number(call.id);
      if (vcpuExists(ctx)) return exactly(-EBUSY, undefined, "a vCPU exists");
      if (id > X86_KVM_MAX_VCPU_IDS || (ctx.maxVcpuIds && id > ctx.maxVcpuIds)) return exactly(-EINVAL, undefined, "above the max vcpu id");
      return exactly(0, () => ({ bspVcpuId: id }));
    }
    case "KVM_SET_USER_MEMORY_REGION":
      return expectMemslot(ctx, call);
    case "KVM_CHECK_EXTENSION":
      return expectCheckExtension(ctx, call);
    default:
      return anything();
  }
}

const violates = ({ context, event }: { context: X86VmContext; event: X86VmEvent }): boolean =>
  !expectX86Vm(context, event.call, event.phase, event.tid).allows(event.result.r);

const reachesVcpus = ({ context, event }: { context: X86VmContext; event: X86VmEvent }): boolean =>
  vcpuExists({ ...context, ...expectX86Vm(context, event.call, event.phase, event.tid).next(context, event.result.r) });

export const x86VmMachine = setup({
  types: { context: {} as X86VmContext, events: {} as X86VmEvent },
  guards: { violates, reachesVcpus },
  actions: {
    apply: assign(({ context, event }) => expectX86Vm(context, event.call, event.phase, event.tid).next(context, event.result.r)),
    reject: assign(({ context, event }) => {
      const e = expectX86Vm(context, event.call, event.phase, event.tid);
      const got = event.result.r < 0 ? `-1 ${errnoName(-event.result.r)}` : String(event.result.r);
      return { violation: `${describeCall(event.call)} returned ${got}; the contract says ${e.expected}` };
    }),
  },
}).createMachine({
  id: "x86-vm",
  context: {
    vcpus: [],
    reserved: 0,
    pending: {},
    irqchip: "none",
    maxVcpuIds: 0,
    bspVcpuId: 0,
    dirtyRingSize: 0,
    memslots: [],
    violation: null,
  },
  initial: "configuring",
  states: {
    configuring: {
      on: {
        call: [
          { guard: "violates", target: "violated", actions: "reject" },
          { guard: "reachesVcpus", target: "vcpus", actions: "apply" },
          { actions: "apply" },
        ],
      },
    },
    vcpus: {
      on: {
        call: [
          { guard: "violates", target: "violated", actions: "reject" },
          { guard: "reachesVcpus", actions: "apply" },
          // The only reservation was given back (a failed KVM_CREATE_VCPU): configurable again.
          { target: "configuring", actions: "apply" },
        ],
      },
    },
    violated: { type: "final" },
  },
});

/** The x86-caps reference model. */
export function x86VmReference() {
  return xstateReference(
    x86VmMachine,
    {},
    (c: X86VmContext) => [c.vcpus, c.reserved, c.pending, c.irqchip, c.maxVcpuIds, c.bspVcpuId, c.dirtyRingSize, c.memslots],
    x86VmPhases,
  );
}
