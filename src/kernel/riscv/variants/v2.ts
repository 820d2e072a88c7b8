/**
 * riscv-hgatp v2 — "[PATCH v2] RISC-V: KVM: add KVM_CAP_RISCV_SET_HGATP_MODE"
 * Fangyu Yu, 2026-01-05, kvm@vger.kernel.org / kvm-riscv / linux-riscv,
 * Message-Id <20260105143232.76715-3-fangyu.yu@linux.alibaba.com>
 * (with 1/2 <20260105143232.76715-2-...>: the per-VM mode and levels fields).
 *
 * The cap takes an HGATP mode, is accepted at any time (no vCPU or memslot check,
 * no lock), and a second set returns 0 without doing anything. Review: Radim Krčmář
 * <DFSM9IHXY24S.3W4T39VHEH420@oss.qualcomm.com> ("It would be a serious issue if some
 * code would operate on hgatp as if it were X and others as Y").
 */
import type { GstageCapContract } from "../../../../model/gstage-contract.js";
import type { RiscvHgatpVariant } from "../../../targets/riscv-hgatp/variant.js";
import { READ, WRITE, oops } from "../../rt/ops.js";
import { UAPI_CAPS } from "../../uapi/caps.js";
import { EINVAL } from "../../uapi/errno.js";
import type { RiscvHgatpVariantCode } from "../design.js";
import {
  HGATP_MODE_SV39X4,
  kvm_riscv_gstage_gpa_bits,
  kvm_riscv_gstage_max_mode,
} from "../gstage.js";
import type { ModeAndLevelsFields } from "../mode-and-levels.js";
import { modeAndLevelsDesign } from "../mode-and-levels.js";

const KVM_CAP_RISCV_SET_HGATP_MODE = 247;

const code: RiscvHgatpVariantCode<ModeAndLevelsFields> = {
  design: modeAndLevelsDesign,
  caps: { KVM_CAP_RISCV_SET_HGATP_MODE },
  *kvm_vm_ioctl_enable_cap(kvm, cap) {
    if (cap.flags) return -EINVAL;
    switch (cap.cap) {
      case KVM_CAP_RISCV_SET_HGATP_MODE: {
        const arg = cap.args[0] ?? 0;
        if (arg < HGATP_MODE_SV39X4 || arg > kvm_riscv_gstage_max_mode) return -EINVAL;
        const g = kvm.arch.gstage;
        if (yield* READ(g.gstage_mode_initialized)) return 0;
        yield* WRITE(g.gstage_mode_initialized, true);
        yield* WRITE(g.kvm_riscv_gstage_mode, arg);
        yield* WRITE(g.kvm_riscv_gstage_pgd_levels, 3 + arg - HGATP_MODE_SV39X4);
        return 0;
      }
      default:
        return -EINVAL;
    }
  },
  *kvm_vm_ioctl_check_extension(kvm, ext) {
    switch (ext) {
      case UAPI_CAPS.KVM_CAP_VM_GPA_BITS:
        // r = kvm_riscv_gstage_gpa_bits(&kvm->arch); -- kvm is NULL on /dev/kvm.
        if (!kvm) return yield* oops("NULL pointer dereference: kvm_riscv_gstage_gpa_bits(&kvm->arch) with kvm == NULL (KVM_CHECK_EXTENSION on /dev/kvm)");
        return kvm_riscv_gstage_gpa_bits(yield* READ(kvm.arch.gstage.kvm_riscv_gstage_pgd_levels));
      case KVM_CAP_RISCV_SET_HGATP_MODE:
        return 1; // CONFIG_64BIT
      default:
        return 0;
    }
  },
};

const contract: GstageCapContract = {
  cap: "KVM_CAP_RISCV_SET_HGATP_MODE",
  text:
    "api.rst 7.47 (v2): Returns: 0 on success, -EINVAL if arg[0] is outside the range of hgatp modes " +
    "supported by the hardware. [...] This capability must be enabled before creating any vCPUs, and can " +
    "only be set once per VM.",
  levelsFor: (mode) => (mode >= HGATP_MODE_SV39X4 && mode <= kvm_riscv_gstage_max_mode ? 3 + mode - HGATP_MODE_SV39X4 : null),
  rejectAfterVcpu: true,
  rejectAfterMemslot: false,
  tooLateErrno: null,
  setOnce: true,
};

export const v2: RiscvHgatpVariant<ModeAndLevelsFields> = {
  name: "v2",
  summary: "cap accepted at any time, no lock; a second set is silently ignored",
  patch: {
    title: "[PATCH v2] RISC-V: KVM: add KVM_CAP_RISCV_SET_HGATP_MODE",
    list: "kvm@vger.kernel.org, kvm-riscv@lists.infradead.org, linux-riscv@lists.infradead.org",
    date: "2026-01-05",
    messageId: "20260105143232.76715-3-fangyu.yu@linux.alibaba.com",
    related: ["20260105143232.76715-2-fangyu.yu@linux.alibaba.com"],
  },
  code,
  contract,
  capArgs: [8, 9, 10, 0, 11],
};
