/**
 * riscv-hgatp as C sees it: `struct kvm_arch` with the per-VM g-stage fields of both
 * designs of the series (v2's `kvm_riscv_gstage_mode` / `kvm_riscv_gstage_pgd_levels` /
 * `gstage_mode_initialized`, v6+'s `pgd_levels`), the g-stage constants and helpers of
 * asm/kvm_gstage.h, and the two hooks of arch/riscv/kvm/vm.c a version of the series changes.
 */
import * as gstage from "../../kernel/riscv/gstage.js";
import { kvm_riscv_gstage_mode } from "../../kernel/riscv/pgd-levels.js";
import type { IntType } from "./types.js";
import { BOOL, ULONG } from "./types.js";
import type { FieldDesc, StructDesc, World } from "./world.js";
import { COMMON_BUILTINS, COMMON_CONSTANTS, HOST_CONFIG, KVM_ENABLE_CAP_STRUCT, kvmStruct, vcpuStruct } from "./world.js";

/** Which design (src/kernel/riscv/*.ts) each per-VM field of `struct kvm_arch` belongs to. */
export const DESIGN_OF_FIELD: Readonly<Record<string, "pgd-levels" | "mode-and-levels">> = {
  pgd_levels: "pgd-levels",
  kvm_riscv_gstage_mode: "mode-and-levels",
  kvm_riscv_gstage_pgd_levels: "mode-and-levels",
  gstage_mode_initialized: "mode-and-levels",
};

// The design's cells live in kvm.arch.gstage (see GstageDesign.alloc).
const gcell = (type: IntType, name: string): FieldDesc => ({ kind: "cell", type, cell: (o) => o.gstage[name] });

const KVM_ARCH: StructDesc = {
  name: "kvm_arch",
  fields: {
    pgd_levels: gcell(ULONG, "pgd_levels"),
    kvm_riscv_gstage_mode: gcell(ULONG, "kvm_riscv_gstage_mode"),
    kvm_riscv_gstage_pgd_levels: gcell(ULONG, "kvm_riscv_gstage_pgd_levels"),
    gstage_mode_initialized: gcell(BOOL, "gstage_mode_initialized"),
  },
};
const KVM = kvmStruct(() => KVM_ARCH);
const VCPU = vcpuStruct(() => KVM);

const ul = (v: number) => ({ value: BigInt(v), type: ULONG });

export const riscvWorld: World = {
  target: "riscv-hgatp",
  structs: { kvm: KVM, kvm_arch: KVM_ARCH, kvm_vcpu: VCPU, kvm_enable_cap: KVM_ENABLE_CAP_STRUCT },
  constants: {
    ...COMMON_CONSTANTS,
    HGATP_MODE_OFF: ul(gstage.HGATP_MODE_OFF),
    HGATP_MODE_SV32X4: ul(gstage.HGATP_MODE_SV32X4),
    HGATP_MODE_SV39X4: ul(gstage.HGATP_MODE_SV39X4),
    HGATP_MODE_SV48X4: ul(gstage.HGATP_MODE_SV48X4),
    HGATP_MODE_SV57X4: ul(gstage.HGATP_MODE_SV57X4),
    HGATP_PAGE_SHIFT: ul(gstage.HGATP_PAGE_SHIFT),
    kvm_riscv_gstage_index_bits: ul(gstage.kvm_riscv_gstage_index_bits),
    kvm_riscv_gstage_pgd_xbits: ul(gstage.kvm_riscv_gstage_pgd_xbits),
    // __ro_after_init globals set by kvm_riscv_gstage_mode_detect() on the simulated host.
    kvm_riscv_gstage_max_pgd_levels: ul(gstage.kvm_riscv_gstage_max_pgd_levels),
    kvm_riscv_gstage_max_mode: ul(gstage.kvm_riscv_gstage_max_mode),
    kvm_riscv_gstage_supported_mode_mask: ul(gstage.kvm_riscv_gstage_supported_mode_mask),
  },
  builtins: {
    ...COMMON_BUILTINS(() => KVM, () => VCPU),
    kvm_riscv_gstage_gpa_bits: {
      params: [ULONG],
      ret: ULONG,
      *impl([l]) {
        return BigInt(gstage.kvm_riscv_gstage_gpa_bits(Number(l)));
      },
    },
    kvm_riscv_gstage_mode: {
      params: [ULONG],
      ret: ULONG,
      *impl([l]) {
        return BigInt(yield* kvm_riscv_gstage_mode(Number(l)));
      },
    },
  },
  hooks: [
    { cname: "kvm_vm_ioctl_enable_cap", arity: [2], what: "KVM_ENABLE_CAP on the VM fd (arch/riscv/kvm/vm.c)" },
    { cname: "kvm_vm_ioctl_check_extension", arity: [2], what: "KVM_CHECK_EXTENSION on the VM and /dev/kvm fds (kvm is NULL on /dev/kvm)" },
  ],
  config: HOST_CONFIG,
};
