/**
 * The per-VM `kvm->arch.pgd_levels` design (series v6 onward, so v7 and v8): one
 * field, the mode derived from it by `kvm_riscv_gstage_mode()`, and MMU operations
 * that snapshot it in `kvm_riscv_gstage_init()` (v8 2/3 "Cache gstage pgd_levels in
 * struct kvm_gstage"). Transcribed from v8 1/3 and 2/3,
 * <20260403153019.9916-2-fangyu.yu@linux.alibaba.com>, <...-3-...>; v7 1/4 and 2/4
 * are the same code.
 */
import type { K } from "../rt/ops.js";
import { READ, WARN_ON_ONCE, observe } from "../rt/ops.js";
import type { Cell } from "../rt/state.js";
import type { GstageDesign } from "./design.js";
import { HGATP_MODE_OFF, gstageModeOf, kvm_riscv_gstage_max_pgd_levels } from "./gstage.js";

export interface PgdLevelsFields {
  readonly pgd_levels: Cell<number>;
}

const PGD_LEVELS = "kvm->arch.pgd_levels";

/** `kvm_riscv_gstage_mode()`: an unknown level count is an internal error (WARN_ON_ONCE). */
export function* kvm_riscv_gstage_mode(pgd_levels: number): K<number> {
  const mode = gstageModeOf(pgd_levels);
  yield* WARN_ON_ONCE(mode === HGATP_MODE_OFF, `kvm_riscv_gstage_mode(${pgd_levels}): no such g-stage mode`);
  return mode;
}

export const pgdLevelsDesign: GstageDesign<PgdLevelsFields> = {
  // kvm_riscv_mmu_alloc_pgd(): kvm->arch.pgd_levels = kvm_riscv_gstage_max_pgd_levels;
  alloc: (shared) => ({ pgd_levels: shared.cell(PGD_LEVELS, kvm_riscv_gstage_max_pgd_levels) }),
  configCells: [PGD_LEVELS],
  decode: (values) => {
    const pgd_levels = Number(values[PGD_LEVELS]);
    return { mode: gstageModeOf(pgd_levels), pgd_levels };
  },
  *kvm_riscv_mmu_update_hgatp(vcpu, kvm) {
    const pgd_levels = yield* READ(kvm.arch.gstage.pgd_levels);
    const mode = yield* kvm_riscv_gstage_mode(pgd_levels);
    // hgatp |= (READ_ONCE(ka->vmid.vmid) << HGATP_VMID_SHIFT) & HGATP_VMID;
    const vmid = yield* READ(kvm.arch.vmid);
    yield* observe("hgatp", { vcpu: vcpu.vcpu_id, mode, pgd_levels, vmid });
  },
  *prepare_pgd_levels(kvm) {
    return yield* READ(kvm.arch.gstage.pgd_levels);
  },
  *mmu_map_levels(kvm) {
    // kvm_riscv_gstage_init(&gstage, kvm): gstage->pgd_levels = kvm->arch.pgd_levels;
    const snapshot = yield* READ(kvm.arch.gstage.pgd_levels);
    // kvm_mmu_topup_memory_cache(pcache, kvm->arch.pgd_levels): a second, separate read.
    const topup = yield* READ(kvm.arch.gstage.pgd_levels);
    return {
      topup,
      // The walk (kvm_riscv_gstage_set_pte/get_leaf) uses the snapshot.
      *walk() {
        return snapshot;
      },
    };
  },
};
