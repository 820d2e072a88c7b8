/**
 * An example variant file: riscv-hgatp's v8 3/3 re-derived from its patch, the way a
 * patch author would write their v9 (docs/writing-a-variant.md walks through it).
 *
 *   kvm-ordercheck check riscv-hgatp --variant-file docs/examples/v9-example.ts
 *
 * "[PATCH v8 3/3] RISC-V: KVM: Reuse KVM_CAP_VM_GPA_BITS to select HGATP.MODE",
 * Fangyu Yu, 2026-04-03, <20260403153019.9916-4-fangyu.yu@linux.alibaba.com>:
 * arch/riscv/kvm/vm.c kvm_vm_ioctl_enable_cap() and kvm_vm_ioctl_check_extension().
 */
import {
  EBUSY,
  EINVAL,
  READ,
  UAPI_CAPS,
  WRITE,
  defineVariant,
  kvm_are_all_memslots_empty,
  kvm_riscv_gstage_gpa_bits,
  kvm_riscv_gstage_max_pgd_levels,
  mutex_lock,
  mutex_unlock,
  pgdLevelsDesign,
} from "kvm-ordercheck/variant";
import type { GstageCapContract, PgdLevelsFields, RiscvHgatpVariantCode } from "kvm-ordercheck/variant";

/* Decide target pgd levels from requested gpa_bits (the CONFIG_64BIT branch). */
function levelsForGpaBits(gpa_bits: number): number | null {
  if (gpa_bits <= 41) return 3; /* Sv39x4 */
  if (gpa_bits <= 50) return 4; /* Sv48x4 */
  if (gpa_bits <= 59) return 5; /* Sv57x4 */
  return null;
}

const code: RiscvHgatpVariantCode<PgdLevelsFields> = {
  // 1/3 and 2/3 of the series: one per-VM kvm->arch.pgd_levels, the mode derived from it.
  design: pgdLevelsDesign,
  // The series adds no cap number: it reuses KVM_CAP_VM_GPA_BITS.
  caps: {},

  // int kvm_vm_ioctl_enable_cap(struct kvm *kvm, struct kvm_enable_cap *cap)
  *kvm_vm_ioctl_enable_cap(kvm, cap) {
    if (cap.flags) return -EINVAL;
    switch (cap.cap) {
      case UAPI_CAPS.KVM_CAP_VM_GPA_BITS: {
        const new_levels = levelsForGpaBits(cap.args[0] ?? 0);
        if (new_levels === null) return -EINVAL;
        if (new_levels > kvm_riscv_gstage_max_pgd_levels) return -EINVAL;

        /* Follow KVM's lock ordering: kvm->lock -> kvm->slots_lock. */
        yield* mutex_lock(kvm.lock);
        yield* mutex_lock(kvm.slots_lock);

        let r = 0;
        if ((yield* READ(kvm.created_vcpus)) || !(yield* kvm_are_all_memslots_empty(kvm))) r = -EBUSY;
        else yield* WRITE(kvm.arch.gstage.pgd_levels, new_levels);

        yield* mutex_unlock(kvm.slots_lock);
        yield* mutex_unlock(kvm.lock);
        return r;
      }
      default:
        return -EINVAL;
    }
  },

  // int kvm_vm_ioctl_check_extension(struct kvm *kvm, long ext): kvm is NULL on /dev/kvm.
  *kvm_vm_ioctl_check_extension(kvm, ext) {
    switch (ext) {
      case UAPI_CAPS.KVM_CAP_VM_GPA_BITS:
        if (!kvm) return kvm_riscv_gstage_gpa_bits(kvm_riscv_gstage_max_pgd_levels);
        return kvm_riscv_gstage_gpa_bits(yield* READ(kvm.arch.gstage.pgd_levels));
      default:
        return 0;
    }
  },
};

/* What the patch promises userspace (its commit message; v8 does not touch api.rst). */
const contract: GstageCapContract = {
  cap: "KVM_CAP_VM_GPA_BITS",
  text:
    "KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS) downsizes the effective GPA width: gpa_bits <= 41 selects Sv39x4, " +
    "<= 50 Sv48x4, <= 59 Sv57x4; -EINVAL for unsupported values, -EBUSY if vCPUs have been created or any " +
    "memslot is populated.",
  levelsFor: (bits) => {
    const l = levelsForGpaBits(bits);
    return l !== null && l <= kvm_riscv_gstage_max_pgd_levels ? l : null;
  },
  rejectAfterVcpu: true,
  rejectAfterMemslot: true,
  tooLateErrno: EBUSY,
  setOnce: false,
};

export default defineVariant({
  target: "riscv-hgatp",
  name: "v9-example",
  summary: "v8 3/3 re-derived from its patch: kvm->lock then slots_lock around the check, -EBUSY when too late",
  patch: {
    title: "[PATCH v8 3/3] RISC-V: KVM: Reuse KVM_CAP_VM_GPA_BITS to select HGATP.MODE",
    list: "kvm@vger.kernel.org, kvm-riscv@lists.infradead.org, linux-riscv@lists.infradead.org",
    date: "2026-04-03",
    messageId: "20260403153019.9916-4-fangyu.yu@linux.alibaba.com",
  },
  code,
  contract,
  // args[0] values programs try: the first lowers the mode (programs lead with it), then
  // each boundary, 0, and invalid ones.
  capArgs: [41, 39, 48, 50, 59, 0, 42, 60],
});
