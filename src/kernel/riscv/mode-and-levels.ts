/**
 * v2's design: `struct kvm_arch` gains `kvm_riscv_gstage_mode`,
 * `kvm_riscv_gstage_pgd_levels` and `gstage_mode_initialized`; hgatp is built from the
 * mode field, the page-table walkers and the GPA-size checks read the levels field
 * directly, each time. Transcribed from "[PATCH v2] RISC-V: KVM: Support runtime
 * configuration for per-VM's HGATP mode", <20260105143232.76715-2-fangyu.yu@linux.alibaba.com>.
 */
import { READ, observe } from "../rt/ops.js";
import type { Cell } from "../rt/state.js";
import type { GstageDesign } from "./design.js";
import { kvm_riscv_gstage_max_mode, kvm_riscv_gstage_max_pgd_levels } from "./gstage.js";

export interface ModeAndLevelsFields {
  readonly kvm_riscv_gstage_mode: Cell<number>;
  readonly kvm_riscv_gstage_pgd_levels: Cell<number>;
  readonly gstage_mode_initialized: Cell<boolean>;
}

const MODE = "kvm->arch.kvm_riscv_gstage_mode";
const LEVELS = "kvm->arch.kvm_riscv_gstage_pgd_levels";

export const modeAndLevelsDesign: GstageDesign<ModeAndLevelsFields> = {
  // kvm_riscv_mmu_alloc_pgd() at KVM_CREATE_VM: "user-space didn't set
  // KVM_CAP_RISC_HGATP_MODE cap", so the per-VM fields start at the hardware maximum.
  alloc: (shared) => ({
    kvm_riscv_gstage_mode: shared.cell(MODE, kvm_riscv_gstage_max_mode),
    kvm_riscv_gstage_pgd_levels: shared.cell(LEVELS, kvm_riscv_gstage_max_pgd_levels),
    gstage_mode_initialized: shared.cell("kvm->arch.gstage_mode_initialized", false),
  }),
  configCells: [MODE, LEVELS],
  decode: (values) => ({ mode: Number(values[MODE]), pgd_levels: Number(values[LEVELS]) }),
  *kvm_riscv_mmu_update_hgatp(vcpu, kvm) {
    // unsigned long hgatp = k->kvm_riscv_gstage_mode << HGATP_MODE_SHIFT;
    const mode = yield* READ(kvm.arch.gstage.kvm_riscv_gstage_mode);
    const vmid = yield* READ(kvm.arch.vmid);
    yield* observe("hgatp", { vcpu: vcpu.vcpu_id, mode, vmid });
  },
  *prepare_pgd_levels(kvm) {
    // kvm_riscv_gstage_gpa_size(&kvm->arch)
    return yield* READ(kvm.arch.gstage.kvm_riscv_gstage_pgd_levels);
  },
  *mmu_map_levels(kvm) {
    // kvm_mmu_topup_memory_cache(pcache, kvm->arch.kvm_riscv_gstage_pgd_levels);
    const topup = yield* READ(kvm.arch.gstage.kvm_riscv_gstage_pgd_levels);
    return {
      topup,
      // kvm_riscv_gstage_set_pte(): current_level = gstage->kvm->arch.kvm_riscv_gstage_pgd_levels - 1;
      *walk() {
        return yield* READ(kvm.arch.gstage.kvm_riscv_gstage_pgd_levels);
      },
    };
  },
};
