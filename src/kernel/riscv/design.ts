/**
 * What a version of the HGATP series decides: where the per-VM g-stage configuration
 * lives and how each reader gets at it. Two designs exist: v2's (a mode field and a
 * pgd_levels field, set together) and v6+'s (one `pgd_levels`, the mode derived from
 * it). The run loop, the fault path and the memslot hooks are the same for both
 * (arch.ts); they call into the design for every read of the configuration.
 */
import type { KvmEnableCap } from "../generic/arch.js";
import type { Kvm, KvmMemorySlot, KvmVcpu } from "../generic/kvm.js";
import type { K } from "../rt/ops.js";
import type { Cell, Mutex, SharedState } from "../rt/state.js";
import type { GstageConfig } from "./gstage.js";

/** `struct kvm_arch` (riscv), the parts the models use. `G` is the design's config fields. */
export interface RiscvKvmArch<G> {
  /** `kvm->arch.vmid.vmid_version` */
  readonly vmid_version: Cell<number>;
  /** `kvm->arch.vmid.vmid` */
  readonly vmid: Cell<number>;
  /** `kvm->mmu_lock` (a spinlock in the baseline the series applies to) */
  readonly mmu_lock: Mutex;
  /** The global `vmid_lock` (a spinlock); one VM in the models, so kept here. */
  readonly vmid_lock: Mutex;
  readonly gstage: G;
  /** The levels each in-flight memslot's prepare checked against, until its commit records it. */
  readonly preparedLevels: WeakMap<KvmMemorySlot, number>;
}

export interface RiscvVcpuArch {
  ran_atleast_once: boolean;
}

export type RiscvKvm<G> = Kvm<RiscvKvmArch<G>, RiscvVcpuArch>;
export type RiscvVcpu = KvmVcpu<RiscvVcpuArch>;

export interface GstageDesign<G> {
  /** `kvm_riscv_mmu_alloc_pgd()` at KVM_CREATE_VM: the config cells with their defaults. */
  alloc(shared: SharedState): G;
  /** Names of the cells that hold the configuration, and how to read the configuration from them. */
  readonly configCells: readonly string[];
  decode(values: Readonly<Record<string, unknown>>): GstageConfig;
  /** `kvm_riscv_mmu_update_hgatp()`: computes hgatp for this vCPU; records what it used. */
  kvm_riscv_mmu_update_hgatp(vcpu: KvmVcpu<RiscvVcpuArch>, kvm: RiscvKvm<G>): K<void>;
  /** The pgd_levels `kvm_arch_prepare_memory_region()` sizes the GPA space with. */
  prepare_pgd_levels(kvm: RiscvKvm<G>): K<number>;
  /** `kvm_riscv_mmu_map()`'s reads of the configuration: the cache top-up and the walk. */
  mmu_map_levels(kvm: RiscvKvm<G>, vcpu: KvmVcpu<RiscvVcpuArch>): K<{ topup: number; walk: () => K<number> }>;
}

/** One version of the series: its design, its enable-cap and check-extension code, its documentation. */
export interface RiscvHgatpVariantCode<G> {
  readonly design: GstageDesign<G>;
  /** Caps this version adds to the uapi header (name → number). */
  readonly caps: Readonly<Record<string, number>>;
  kvm_vm_ioctl_enable_cap(kvm: RiscvKvm<G>, cap: KvmEnableCap): K<number>;
  kvm_vm_ioctl_check_extension(kvm: RiscvKvm<G> | null, ext: number): K<number>;
}
