/**
 * riscv-hgatp v7 — "[PATCH v7 4/4] RISC-V: KVM: add KVM_CAP_RISCV_SET_HGATP_MODE"
 * Fangyu Yu, 2026-04-02, kvm@vger.kernel.org / kvm-riscv / linux-riscv,
 * Message-Id <20260402132303.6252-5-fangyu.yu@linux.alibaba.com>
 * (3/4 <...-4-...>: the supported-mode mask; 1/4, 2/4: the per-VM pgd_levels).
 *
 * Adds the vCPU and memslot checks, but reads `created_vcpus` without `kvm->lock` and
 * calls `kvm_are_all_memslots_empty()` without `slots_lock`. Review: Radim Krčmář
 * <DHIVQI1DY4MK.27YZ2NPDXF5WM@oss.qualcomm.com> ("Since multiple VM ioctls can execute
 * concurrently, I would protect created_vcpus by kvm->lock and
 * kvm_are_all_memslots_empty by kvm->slots_lock.")
 */
import type { GstageCapContract } from "../../../../model/gstage-contract.js";
import type { RiscvHgatpVariant } from "../../../targets/riscv-hgatp/variant.js";
import { kvm_are_all_memslots_empty } from "../../generic/set_memory_region.js";
import { READ, WRITE, oops } from "../../rt/ops.js";
import { UAPI_CAPS } from "../../uapi/caps.js";
import { EBUSY, EINVAL } from "../../uapi/errno.js";
import type { RiscvHgatpVariantCode } from "../design.js";
import { HGATP_MODE_SV39X4, kvm_riscv_gstage_gpa_bits, kvm_riscv_gstage_supported_mode_mask } from "../gstage.js";
import type { PgdLevelsFields } from "../pgd-levels.js";
import { pgdLevelsDesign } from "../pgd-levels.js";

const KVM_CAP_RISCV_SET_HGATP_MODE = 248;

/** `kvm_riscv_hgatp_mode_is_valid()` (v7 3/4) */
const kvm_riscv_hgatp_mode_is_valid = (mode: number): boolean =>
  mode >= 0 && mode < 32 && (kvm_riscv_gstage_supported_mode_mask & (1 << mode)) !== 0;

const code: RiscvHgatpVariantCode<PgdLevelsFields> = {
  design: pgdLevelsDesign,
  caps: { KVM_CAP_RISCV_SET_HGATP_MODE },
  *kvm_vm_ioctl_enable_cap(kvm, cap) {
    if (cap.flags) return -EINVAL;
    switch (cap.cap) {
      case KVM_CAP_RISCV_SET_HGATP_MODE: {
        const arg = cap.args[0] ?? 0;
        if (!kvm_riscv_hgatp_mode_is_valid(arg)) return -EINVAL;
        // if (kvm->created_vcpus || !kvm_are_all_memslots_empty(kvm)) return -EBUSY;
        if ((yield* READ(kvm.created_vcpus)) || !(yield* kvm_are_all_memslots_empty(kvm))) return -EBUSY;
        yield* WRITE(kvm.arch.gstage.pgd_levels, 3 + arg - HGATP_MODE_SV39X4); // CONFIG_64BIT
        return 0;
      }
      default:
        return -EINVAL;
    }
  },
  *kvm_vm_ioctl_check_extension(kvm, ext) {
    switch (ext) {
      case UAPI_CAPS.KVM_CAP_VM_GPA_BITS:
        // r = kvm_riscv_gstage_gpa_bits(kvm->arch.pgd_levels); -- kvm is NULL on /dev/kvm (fixed in v8).
        if (!kvm) return yield* oops("NULL pointer dereference: kvm->arch.pgd_levels with kvm == NULL (KVM_CHECK_EXTENSION on /dev/kvm)");
        return kvm_riscv_gstage_gpa_bits(yield* READ(kvm.arch.gstage.pgd_levels));
      case KVM_CAP_RISCV_SET_HGATP_MODE:
        return kvm_riscv_gstage_supported_mode_mask;
      default:
        return 0;
    }
  },
};

const contract: GstageCapContract = {
  cap: "KVM_CAP_RISCV_SET_HGATP_MODE",
  text:
    "api.rst 7.47 (v7): Returns: 0 on success; -EINVAL if args[0] is outside the range of HGATP modes " +
    "supported by the hardware; -EBUSY if vCPUs have already been created for the VM, if the VM has any " +
    "non-empty memslots. This capability must be enabled before creating any vCPUs or memslots.",
  levelsFor: (mode) => (kvm_riscv_hgatp_mode_is_valid(mode) ? 3 + mode - HGATP_MODE_SV39X4 : null),
  rejectAfterVcpu: true,
  rejectAfterMemslot: true,
  tooLateErrno: EBUSY,
  setOnce: false,
};

export const v7: RiscvHgatpVariant<PgdLevelsFields> = {
  name: "v7",
  summary: "checks created_vcpus and memslots, but without kvm->lock and slots_lock",
  patch: {
    title: "[PATCH v7 4/4] RISC-V: KVM: add KVM_CAP_RISCV_SET_HGATP_MODE",
    list: "kvm@vger.kernel.org, kvm-riscv@lists.infradead.org, linux-riscv@lists.infradead.org",
    date: "2026-04-02",
    messageId: "20260402132303.6252-5-fangyu.yu@linux.alibaba.com",
    related: ["20260402132303.6252-4-fangyu.yu@linux.alibaba.com"],
  },
  code,
  contract,
  capArgs: [8, 9, 10, 0, 1, 11],
};
