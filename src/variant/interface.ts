/**
 * What a variant file exports (default export, made with `defineVariant`): which
 * target it belongs to, its name, the patch it transcribes and the kernel code it
 * replaces. Each target's part is the interface its shipped variants implement, so a
 * user variant is a shipped one plus `target`:
 *
 * - riscv-hgatp: `RiscvHgatpVariant` (src/targets/riscv-hgatp/variant.ts): the design
 *   (where the per-VM g-stage configuration lives), `kvm_vm_ioctl_enable_cap()`,
 *   `kvm_vm_ioctl_check_extension()`, the caps it adds, its documented contract and the
 *   cap arguments programs try. See src/kernel/riscv/variants/v8.ts.
 * - arm64-memfault: `MemfaultVariant` (src/targets/memfault/variant.ts): what
 *   `gmem_abort()` does to `kvm_run` when `kvm_gmem_get_pfn()` fails (required), and
 *   optionally what the generic KVM_RUN return path does. See src/kernel/arm64/variants/.
 * - x86-memfault: the generic KVM_RUN return path only (`onRunReturn`); x86's fault
 *   path is the merged one.
 * - x86-caps: `X86CapsVariant` (src/targets/x86-caps/variant.ts): any of x86's
 *   before-vCPU paths by kernel name (`kvm_vm_ioctl_enable_cap`,
 *   `kvm_vm_ioctl_create_irqchip`, ...); the rest run as Linux 6.18 has them.
 *
 * On every target a variant may also replace the kvm_main.c paths by kernel name
 * (`kvm_vm_ioctl_create_vcpu`, `kvm_set_memory_region`, `__kvm_set_memory_region`, and
 * on x86-caps `kvm_vm_ioctl_enable_dirty_log_ring`): each target's hook table
 * (src/targets/<target>/hooks.ts, `findTarget(t).hooks`) lists what it takes.
 */
import type { MemfaultVariant } from "../targets/memfault/variant.js";
import type { RiscvHgatpVariant } from "../targets/riscv-hgatp/variant.js";
import type { X86CapsVariant } from "../targets/x86-caps/variant.js";

/** The targets a variant file can belong to: every one. */
export const VARIANT_TARGETS = ["riscv-hgatp", "arm64-memfault", "x86-memfault", "x86-caps"] as const;
export type VariantTarget = (typeof VARIANT_TARGETS)[number];

export interface RiscvHgatpUserVariant<G = unknown> extends RiscvHgatpVariant<G> {
  readonly target: "riscv-hgatp";
}

export interface Arm64MemfaultUserVariant extends MemfaultVariant {
  readonly target: "arm64-memfault";
  readonly gmemErrorExit: NonNullable<MemfaultVariant["gmemErrorExit"]>;
}

export interface X86MemfaultUserVariant extends Omit<MemfaultVariant, "gmemErrorExit"> {
  readonly target: "x86-memfault";
}

export interface X86CapsUserVariant extends X86CapsVariant {
  readonly target: "x86-caps";
}

export type UserVariant = RiscvHgatpUserVariant<any> | Arm64MemfaultUserVariant | X86MemfaultUserVariant | X86CapsUserVariant; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Marks a variant module's default export. It returns its argument unchanged: the
 * point is the type check (and the editor's completion) against the target's interface.
 */
export function defineVariant<V extends UserVariant>(v: V): V {
  return v;
}
