/**
 * x86 VM-level configuration rules, as the host enforces them (Linux 6.18 as merged,
 * arch/x86/kvm/x86.c; read from kvm-x86/linux at 042007c262e5 plus the 6.18-stable
 * X2APIC_API change below):
 *
 * - `kvm_vm_ioctl_enable_cap()`: KVM_CAP_SPLIT_IRQCHIP, KVM_CAP_X2APIC_API,
 *   KVM_CAP_X86_DISABLE_EXITS, KVM_CAP_MAX_VCPU_ID (each with its own locking;
 *   the generic dispatcher holds nothing).
 * - `kvm_arch_vm_ioctl()`: KVM_CREATE_IRQCHIP, KVM_SET_BOOT_CPU_ID.
 * - `kvm_arch_vcpu_precreate()` (under kvm->lock: freezes max_vcpu_ids),
 *   `kvm_arch_vcpu_create()` (no lock: creates the local APIC iff irqchip_in_kernel()).
 * - `kvm_arch_prepare_memory_region()` (the max-gfn check) and
 *   `kvm_vm_ioctl_check_extension()` for the caps above.
 *
 * The host is PVM (kernel-facts H); where what it reports differs from a VMX/SVM
 * host, the constants below follow the host and say why. Every value was measured on
 * it with KVM_CHECK_EXTENSION / KVM_ENABLE_CAP (a C probe, 2026-05).
 */
import type { KvmArchConfig, KvmArchOps, KvmEnableCap, KvmMrChange } from "../generic/arch.js";
import type { Kvm, KvmMemorySlot, KvmVcpu } from "../generic/kvm.js";
import { KVM_MAX_VCPUS, KVM_MEM_SLOTS_NUM } from "../generic/kvm.js";
import type { K } from "../rt/ops.js";
import { READ, WRITE, mutex_lock, mutex_unlock, observe } from "../rt/ops.js";
import type { Cell } from "../rt/state.js";
import type { Call } from "../rt/trace.js";
import { UAPI_CAPS } from "../uapi/caps.js";
import { EBUSY, EEXIST, EINVAL, ENOTTY } from "../uapi/errno.js";

const CAP = UAPI_CAPS;

/** `KVM_MAX_VCPU_IDS` on x86: `kvm_max_vcpu_ids()` = KVM_MAX_VCPUS * KVM_VCPU_ID_RATIO (4). Host: 4096. */
export const X86_KVM_MAX_VCPU_IDS = 4096;
/** `KVM_USER_MEM_SLOTS` = KVM_MEM_SLOTS_NUM - KVM_INTERNAL_MEM_SLOTS (3 on x86). Host: 32764. */
export const X86_KVM_USER_MEM_SLOTS = KVM_MEM_SLOTS_NUM - 3;
/** `KVM_MAX_IRQ_ROUTES`, the bound on KVM_CAP_SPLIT_IRQCHIP's args[0] (host: 4096 accepted, 4097 -EINVAL). */
export const KVM_MAX_IRQ_ROUTES = 4096;

/** `enum kvm_irqchip_mode` */
export const KVM_IRQCHIP_NONE = 0;
export const KVM_IRQCHIP_KERNEL = 1;
export const KVM_IRQCHIP_SPLIT = 2;

/** KVM_X86_DISABLE_EXITS_* (include/uapi/linux/kvm.h) */
export const KVM_X86_DISABLE_EXITS_MWAIT = 1 << 0;
export const KVM_X86_DISABLE_EXITS_HLT = 1 << 1;
export const KVM_X86_DISABLE_EXITS_PAUSE = 1 << 2;
export const KVM_X86_DISABLE_EXITS_CSTATE = 1 << 3;
export const KVM_X86_DISABLE_EXITS_APERFMPERF = 1 << 4;

/**
 * `kvm_get_allowed_disable_exits()`: PAUSE always; APERFMPERF if the CPU has it;
 * HLT|CSTATE unless mitigate_smt_rsb; MWAIT if kvm_can_mwait_in_guest(). The PVM host
 * reports 14 = HLT|PAUSE|CSTATE: no APERFMPERF, no MWAIT in the guest.
 */
export const KVM_X86_ALLOWED_DISABLE_EXITS = KVM_X86_DISABLE_EXITS_HLT | KVM_X86_DISABLE_EXITS_PAUSE | KVM_X86_DISABLE_EXITS_CSTATE;

/** KVM_X2APIC_API_* flags; the EOI-broadcast pair came with the 2026 fix Cc'd to stable (on the 6.18 host). */
export const KVM_X2APIC_API_USE_32BIT_IDS = 1 << 0;
export const KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK = 1 << 1;
export const KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST = 1 << 2;
export const KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST = 1 << 3;
export const KVM_X2APIC_API_VALID_FLAGS =
  KVM_X2APIC_API_USE_32BIT_IDS |
  KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK |
  KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST |
  KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST;

/** `enum kvm_suppress_eoi_broadcast_mode` */
const KVM_SUPPRESS_EOI_BROADCAST_ENABLED = 1;
const KVM_SUPPRESS_EOI_BROADCAST_DISABLED = 2;

/**
 * `kvm_mmu_max_gfn()`: host.MAXPHYADDR with TDP, 52 bits without. PVM runs with
 * shadow paging (tdp_enabled = false), so 52: the host accepts a slot ending at
 * 2^52 - 1 and rejects one at 2^52.
 */
export const KVM_MMU_MAX_GFN = 2 ** (52 - 12) - 1;

export const X86_CAPS_CONFIG: KvmArchConfig = {
  KVM_MAX_VCPU_IDS: X86_KVM_MAX_VCPU_IDS,
  KVM_USER_MEM_SLOTS: X86_KVM_USER_MEM_SLOTS,
  // arch/x86/kvm/Kconfig selects HAVE_KVM_DIRTY_RING_TSO and _ACQ_REL (both report 1 MiB on the host).
  dirtyRing: { tso: true, acqRel: true },
};

/** The `kvm->arch` fields these rules share between threads. */
export interface X86CapsKvmArch {
  readonly irqchip_mode: Cell<number>;
  readonly nr_reserved_ioapic_pins: Cell<number>;
  readonly disabled_exits: Cell<number>;
  /** 0 until KVM_CAP_MAX_VCPU_ID sets it or the first KVM_CREATE_VCPU freezes it. */
  readonly max_vcpu_ids: Cell<number>;
  readonly bsp_vcpu_id: Cell<number>;
  readonly x2apic_format: Cell<boolean>;
  readonly x2apic_broadcast_quirk_disabled: Cell<boolean>;
  readonly suppress_eoi_broadcast_mode: Cell<number>;
}

export interface X86CapsVcpuArch {
  /** `vcpu->arch.apic != NULL`: set by kvm_arch_vcpu_create() before the vCPU is published. */
  apic: boolean;
}

export type X86CapsKvm = Kvm<X86CapsKvmArch, X86CapsVcpuArch>;

/**
 * What a variant of this target may replace, by kernel name: the x86 paths the rules
 * run through. Each one absent runs as 6.18 has it (the functions below).
 */
export interface X86CapsCode {
  /** The KVM_CREATE_IRQCHIP case of `kvm_arch_vm_ioctl()`. */
  readonly kvm_vm_ioctl_create_irqchip?: (kvm: X86CapsKvm) => K<number>;
  /** The KVM_SET_BOOT_CPU_ID case of `kvm_arch_vm_ioctl()`. */
  readonly kvm_vm_ioctl_set_boot_cpu_id?: (kvm: X86CapsKvm, id: number) => K<number>;
  /** x86's `kvm_vm_ioctl_enable_cap()` (the generic dispatcher calls it with no lock held). */
  readonly kvm_vm_ioctl_enable_cap?: (kvm: X86CapsKvm, cap: KvmEnableCap) => K<number>;
  /** x86's `kvm_vm_ioctl_check_extension()`; `kvm` is null on /dev/kvm. */
  readonly kvm_vm_ioctl_check_extension?: (kvm: X86CapsKvm | null, ext: number) => K<number>;
  /** `kvm_arch_vcpu_precreate()`, under kvm->lock before created_vcpus++. */
  readonly kvm_arch_vcpu_precreate?: (kvm: X86CapsKvm, id: number) => K<number>;
  /** `kvm_arch_vcpu_create()`, no lock held, after created_vcpus++. */
  readonly kvm_arch_vcpu_create?: (vcpu: KvmVcpu<X86CapsVcpuArch>) => K<number>;
  /** `kvm_arch_prepare_memory_region()`, under slots_lock and slots_arch_lock. */
  readonly kvm_arch_prepare_memory_region?: (
    kvm: X86CapsKvm,
    old: KvmMemorySlot | null,
    new_: KvmMemorySlot | null,
    change: KvmMrChange,
  ) => K<number>;
}

/** `kvm->arch.irqchip_mode`, as `irqchip_in_kernel()` reads it: lockless (the smp_wmb() before publishing pairs with it). */
function* irqchip_mode(kvm: X86CapsKvm): K<number> {
  return yield* READ(kvm.arch.irqchip_mode);
}

/** `irqchip_in_kernel()`: an in-kernel or split irqchip exists. */
export function* irqchip_in_kernel(kvm: X86CapsKvm): K<boolean> {
  return (yield* irqchip_mode(kvm)) !== KVM_IRQCHIP_NONE;
}

/** `irqchip_split()` */
export function* irqchip_split(kvm: X86CapsKvm): K<boolean> {
  return (yield* irqchip_mode(kvm)) === KVM_IRQCHIP_SPLIT;
}

/**
 * KVM_CREATE_IRQCHIP as merged (x86.c `kvm_arch_vm_ioctl()`): under kvm->lock, -EEXIST
 * if an irqchip exists, -EINVAL once a vCPU was created (created_vcpus, so a vCPU still
 * being created counts). kvm_pic_init / kvm_ioapic_init / the default routing cannot
 * fail in the models; has_protected_eoi is false for the default VM type.
 */
export function* kvm_vm_ioctl_create_irqchip(kvm: X86CapsKvm): K<number> {
  yield* mutex_lock(kvm.lock);
  let r: number;
  if ((yield* irqchip_mode(kvm)) !== KVM_IRQCHIP_NONE) r = -EEXIST;
  else if (yield* READ(kvm.created_vcpus)) r = -EINVAL;
  else {
    // kvm_pic_init(); kvm_ioapic_init(); kvm_setup_default_ioapic_and_pic_routing();
    // /* Write kvm->irq_routing before enabling irqchip_in_kernel. */ smp_wmb();
    yield* WRITE(kvm.arch.irqchip_mode, KVM_IRQCHIP_KERNEL);
    r = 0;
  }
  yield* mutex_unlock(kvm.lock);
  return r;
}

/** KVM_SET_BOOT_CPU_ID (x86.c `kvm_arch_vm_ioctl()`): -EBUSY once a vCPU was created. */
export function* kvm_vm_ioctl_set_boot_cpu_id(kvm: X86CapsKvm, arg: number): K<number> {
  let r = 0;
  yield* mutex_lock(kvm.lock);
  if (yield* READ(kvm.created_vcpus)) r = -EBUSY;
  else {
    const max = yield* READ(kvm.arch.max_vcpu_ids);
    if (arg > X86_KVM_MAX_VCPU_IDS || (max && arg > max)) r = -EINVAL;
    else yield* WRITE(kvm.arch.bsp_vcpu_id, arg);
  }
  yield* mutex_unlock(kvm.lock);
  return r;
}

/** The x86 `kvm_vm_ioctl_enable_cap()` cases the target uses (x86.c). */
export function* kvm_vm_ioctl_enable_cap(kvm: X86CapsKvm, cap: KvmEnableCap): K<number> {
  if (cap.flags) return -EINVAL;
  const a0 = cap.args[0] ?? 0;
  let r: number;
  switch (cap.cap) {
    case CAP.KVM_CAP_SPLIT_IRQCHIP: {
      yield* mutex_lock(kvm.lock);
      r = -EINVAL;
      if (a0 > KVM_MAX_IRQ_ROUTES) {
        // goto split_irqchip_unlock
      } else if ((yield* irqchip_mode(kvm)) !== KVM_IRQCHIP_NONE) {
        r = -EEXIST;
      } else if (yield* READ(kvm.created_vcpus)) {
        r = -EEXIST;
      } else {
        /* Pairs with irqchip_in_kernel. */ // smp_wmb()
        yield* WRITE(kvm.arch.irqchip_mode, KVM_IRQCHIP_SPLIT);
        yield* WRITE(kvm.arch.nr_reserved_ioapic_pins, a0);
        r = 0;
      }
      yield* mutex_unlock(kvm.lock);
      return r;
    }
    case CAP.KVM_CAP_X2APIC_API: {
      // No lock: an any-time control. irqchip_split() is a lockless read.
      if (a0 & ~KVM_X2APIC_API_VALID_FLAGS) return -EINVAL;
      if (a0 & KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST && a0 & KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST) return -EINVAL;
      if (a0 & KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST && (yield* irqchip_mode(kvm)) !== KVM_IRQCHIP_SPLIT) return -EINVAL;
      if (a0 & KVM_X2APIC_API_USE_32BIT_IDS) yield* WRITE(kvm.arch.x2apic_format, true);
      if (a0 & KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK) yield* WRITE(kvm.arch.x2apic_broadcast_quirk_disabled, true);
      if (a0 & KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST)
        yield* WRITE(kvm.arch.suppress_eoi_broadcast_mode, KVM_SUPPRESS_EOI_BROADCAST_ENABLED);
      if (a0 & KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST)
        yield* WRITE(kvm.arch.suppress_eoi_broadcast_mode, KVM_SUPPRESS_EOI_BROADCAST_DISABLED);
      return 0;
    }
    case CAP.KVM_CAP_X86_DISABLE_EXITS: {
      r = -EINVAL;
      if (a0 & ~KVM_X86_ALLOWED_DISABLE_EXITS) return r;
      yield* mutex_lock(kvm.lock);
      if (!(yield* READ(kvm.created_vcpus))) {
        // pr_warn_once(SMT_RSB_MSG) when affected; kvm_disable_exits(): disabled_exits |= mask
        const old = yield* READ(kvm.arch.disabled_exits);
        yield* WRITE(kvm.arch.disabled_exits, old | a0);
        r = 0;
      }
      yield* mutex_unlock(kvm.lock); // disable_exits_unlock:
      return r;
    }
    case CAP.KVM_CAP_MAX_VCPU_ID: {
      r = -EINVAL;
      if (a0 > X86_KVM_MAX_VCPU_IDS) return r;
      yield* mutex_lock(kvm.lock);
      const max = yield* READ(kvm.arch.max_vcpu_ids);
      if ((yield* READ(kvm.arch.bsp_vcpu_id)) > a0) {
        // a BSP above the new limit: -EINVAL
      } else if (max === a0) {
        r = 0;
      } else if (!max) {
        yield* WRITE(kvm.arch.max_vcpu_ids, a0);
        r = 0;
      }
      yield* mutex_unlock(kvm.lock);
      return r;
    }
    default:
      return -EINVAL;
  }
}

/** The x86 `kvm_vm_ioctl_check_extension()` cases the target asks about. */
export function* kvm_vm_ioctl_check_extension(kvm: X86CapsKvm | null, ext: number): K<number> {
  switch (ext) {
    case CAP.KVM_CAP_IRQCHIP:
    case CAP.KVM_CAP_SET_BOOT_CPU_ID:
    case CAP.KVM_CAP_SPLIT_IRQCHIP:
      return 1;
    case CAP.KVM_CAP_X86_DISABLE_EXITS:
      return KVM_X86_ALLOWED_DISABLE_EXITS;
    case CAP.KVM_CAP_MAX_VCPUS:
      return kvm ? kvm.max_vcpus : KVM_MAX_VCPUS;
    case CAP.KVM_CAP_MAX_VCPU_ID:
      // The constant, not the VM's limit (the host says 4096 after KVM_CAP_MAX_VCPU_ID(5)).
      return X86_KVM_MAX_VCPU_IDS;
    case CAP.KVM_CAP_X2APIC_API: {
      let r = KVM_X2APIC_API_VALID_FLAGS;
      if (kvm && (yield* irqchip_mode(kvm)) !== KVM_IRQCHIP_SPLIT) r &= ~KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST;
      return r;
    }
    default:
      return 0;
  }
}

/** `kvm_arch_vcpu_precreate()`, under kvm->lock: from here KVM_CAP_MAX_VCPU_ID is frozen. */
export function* kvm_arch_vcpu_precreate(kvm: X86CapsKvm, id: number): K<number> {
  let max = yield* READ(kvm.arch.max_vcpu_ids);
  if (!max) {
    max = X86_KVM_MAX_VCPU_IDS;
    yield* WRITE(kvm.arch.max_vcpu_ids, max);
  }
  if (id >= max) return -EINVAL;
  // kvm_x86_call(vcpu_precreate)(kvm) -> 0; no mediated PMU on the host.
  return 0;
}

/**
 * `kvm_arch_vcpu_create()`, no lock held: `if (irqchip_in_kernel(vcpu->kvm))
 * kvm_create_lapic(vcpu)`. Safe only because KVM_CREATE_IRQCHIP / SPLIT_IRQCHIP
 * refuse once created_vcpus is raised, which happened before this read.
 */
export function* kvm_arch_vcpu_create(vcpu: KvmVcpu<X86CapsVcpuArch>): K<number> {
  const kvm = vcpu.kvm as unknown as X86CapsKvm;
  const mode = yield* irqchip_mode(kvm);
  vcpu.arch.apic = mode !== KVM_IRQCHIP_NONE;
  yield* observe("vcpu-lapic", { vcpu: vcpu.vcpu_id, lapic: vcpu.arch.apic, irqchip_mode: mode });
  return 0;
}

/** `kvm_arch_prepare_memory_region()`: KVM_MR_CREATE / KVM_MR_MOVE must end at or below kvm_mmu_max_gfn(). */
export function* kvm_arch_prepare_memory_region(
  _kvm: X86CapsKvm,
  _old: KvmMemorySlot | null,
  new_: KvmMemorySlot | null,
  change: KvmMrChange,
): K<number> {
  if (change === "KVM_MR_CREATE" || change === "KVM_MR_MOVE") {
    if (new_!.base_gfn + new_!.npages - 1 > KVM_MMU_MAX_GFN) return -EINVAL;
    // kvm_is_gfn_alias(): only TDX VMs have gfn_direct_bits. kvm_alloc_memslot_metadata() succeeds.
  }
  return 0;
}

/** The x86 arch hooks for the x86-caps target; `code` is what the variant replaces. */
export function x86CapsArchOps(code: X86CapsCode): KvmArchOps<X86CapsKvmArch, X86CapsVcpuArch> {
  return {
    config: X86_CAPS_CONFIG,
    kvm_arch_init_vm: (shared) => ({
      irqchip_mode: shared.cell("kvm->arch.irqchip_mode", KVM_IRQCHIP_NONE),
      nr_reserved_ioapic_pins: shared.cell("kvm->arch.nr_reserved_ioapic_pins", 0),
      disabled_exits: shared.cell("kvm->arch.disabled_exits", 0),
      max_vcpu_ids: shared.cell("kvm->arch.max_vcpu_ids", 0),
      bsp_vcpu_id: shared.cell("kvm->arch.bsp_vcpu_id", 0),
      x2apic_format: shared.cell("kvm->arch.x2apic_format", false),
      x2apic_broadcast_quirk_disabled: shared.cell("kvm->arch.x2apic_broadcast_quirk_disabled", false),
      suppress_eoi_broadcast_mode: shared.cell("kvm->arch.suppress_eoi_broadcast_mode", 0),
    }),
    kvm_vcpu_arch_alloc: () => ({ apic: false }),
    kvm_arch_vcpu_precreate: code.kvm_arch_vcpu_precreate ?? kvm_arch_vcpu_precreate,
    kvm_arch_vcpu_create: code.kvm_arch_vcpu_create ?? kvm_arch_vcpu_create,
    *kvm_arch_vcpu_postcreate() {},
    kvm_arch_prepare_memory_region: code.kvm_arch_prepare_memory_region ?? kvm_arch_prepare_memory_region,
    *kvm_arch_commit_memory_region() {},
    kvm_vm_ioctl_enable_cap: code.kvm_vm_ioctl_enable_cap ?? kvm_vm_ioctl_enable_cap,
    kvm_vm_ioctl_check_extension: code.kvm_vm_ioctl_check_extension ?? kvm_vm_ioctl_check_extension,
    *kvm_arch_vm_ioctl(kvm, call: Call) {
      switch (call.ioctl) {
        case "KVM_CREATE_IRQCHIP":
          return yield* (code.kvm_vm_ioctl_create_irqchip ?? kvm_vm_ioctl_create_irqchip)(kvm);
        case "KVM_SET_BOOT_CPU_ID":
          return yield* (code.kvm_vm_ioctl_set_boot_cpu_id ?? kvm_vm_ioctl_set_boot_cpu_id)(kvm, Number(call.id));
        default:
          return -ENOTTY;
      }
    },
    // KVM_RUN is not in this target's vocabulary (the memfault targets cover it).
    *kvm_arch_vcpu_ioctl_run() {
      return -ENOTTY;
    },
  };
}
