/**
 * riscv-hgatp v8 — "[PATCH v8 3/3] RISC-V: KVM: Reuse KVM_CAP_VM_GPA_BITS to select HGATP.MODE"
 * Fangyu Yu, 2026-04-03, kvm@vger.kernel.org / kvm-riscv / linux-riscv,
 * Message-Id <20260403153019.9916-4-fangyu.yu@linux.alibaba.com>
 * (1/3 <...-2-...>: per-VM pgd_levels, kvm == NULL in check_extension; 2/3 <...-3-...>:
 * pgd_levels cached in struct kvm_gstage). Queued by Anup Patel for Linux 7.1; merged
 * as efcac8424ba6, ec92248431be, 7263b4fdb0b2.
 *
 * Takes kvm->lock then kvm->slots_lock ("Follow KVM's lock ordering") around the
 * created_vcpus / memslots check and the write, and returns -EBUSY when too late.
 */
import type { GstageCapContract } from "../../../../model/gstage-contract.js";
import type { RiscvHgatpVariant } from "../../../targets/riscv-hgatp/variant.js";
import { kvm_are_all_memslots_empty } from "../../generic/set_memory_region.js";
import { READ, WRITE, mutex_lock, mutex_unlock } from "../../rt/ops.js";
import { UAPI_CAPS } from "../../uapi/caps.js";
import { EBUSY, EINVAL } from "../../uapi/errno.js";
import type { RiscvHgatpVariantCode } from "../design.js";
import { kvm_riscv_gstage_gpa_bits, kvm_riscv_gstage_max_pgd_levels } from "../gstage.js";
import type { PgdLevelsFields } from "../pgd-levels.js";
import { pgdLevelsDesign } from "../pgd-levels.js";

/** Decide target pgd levels from requested gpa_bits (CONFIG_64BIT). */
function levelsForGpaBits(gpa_bits: number): number | null {
  if (gpa_bits <= 41) return 3; // Sv39x4
  if (gpa_bits <= 50) return 4; // Sv48x4
  if (gpa_bits <= 59) return 5; // Sv57x4
  return null;
}

const code: RiscvHgatpVariantCode<PgdLevelsFields> = {
  design: pgdLevelsDesign,
  caps: {},
  *kvm_vm_ioctl_enable_cap(kvm, cap) {
    if (cap.flags) return -EINVAL;
    switch (cap.cap) {
      case UAPI_CAPS.KVM_CAP_VM_GPA_BITS: {
        const new_levels = levelsForGpaBits(cap.args[0] ?? 0);
        if (new_levels === null) return -EINVAL;
        if (new_levels > kvm_riscv_gstage_max_pgd_levels) return -EINVAL;

        // Follow KVM's lock ordering: kvm->lock -> kvm->slots_lock.
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

const contract: GstageCapContract = {
  cap: "KVM_CAP_VM_GPA_BITS",
  text:
    "v8 3/3 commit message (v8 does not touch api.rst): KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS) allows userspace " +
    "to downsize the effective GPA width: gpa_bits <= 41 selects Sv39x4, <= 50 Sv48x4, <= 59 Sv57x4. Reject " +
    "the request with -EINVAL for unsupported values and with -EBUSY if vCPUs have been created or any " +
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

export const v8: RiscvHgatpVariant<PgdLevelsFields> = {
  name: "v8",
  summary: "merged for 7.1: kvm->lock then slots_lock around the check, -EBUSY when too late",
  patch: {
    title: "[PATCH v8 3/3] RISC-V: KVM: Reuse KVM_CAP_VM_GPA_BITS to select HGATP.MODE",
    list: "kvm@vger.kernel.org, kvm-riscv@lists.infradead.org, linux-riscv@lists.infradead.org",
    date: "2026-04-03",
    messageId: "20260403153019.9916-4-fangyu.yu@linux.alibaba.com",
    related: ["20260403153019.9916-2-fangyu.yu@linux.alibaba.com", "20260403153019.9916-3-fangyu.yu@linux.alibaba.com"],
    commits: ["efcac8424ba6", "ec92248431be", "7263b4fdb0b2"],
  },
  code,
  contract,
  capArgs: [41, 39, 48, 50, 59, 0, 42, 60],
};
