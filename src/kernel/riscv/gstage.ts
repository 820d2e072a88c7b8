/**
 * RISC-V g-stage constants and pure helpers (arch/riscv/include/asm/kvm_gstage.h,
 * asm/csr.h), as of the merged HGATP series (7.1). kernel-facts B.1.
 */

export const HGATP_MODE_OFF = 0;
export const HGATP_MODE_SV32X4 = 1;
export const HGATP_MODE_SV39X4 = 8;
export const HGATP_MODE_SV48X4 = 9;
export const HGATP_MODE_SV57X4 = 10;

export const HGATP_PAGE_SHIFT = 12;
export const kvm_riscv_gstage_index_bits = 9; // RV64
export const kvm_riscv_gstage_pgd_xbits = 2;

/**
 * The simulated host: a hart that supports Sv39x4, Sv48x4 and Sv57x4, so that every
 * mode a program asks for is reachable. `kvm_riscv_gstage_mode_detect()` would set these.
 */
export const kvm_riscv_gstage_max_pgd_levels = 5;
export const kvm_riscv_gstage_max_mode = HGATP_MODE_SV57X4;
export const kvm_riscv_gstage_supported_mode_mask =
  (1 << HGATP_MODE_SV39X4) | (1 << HGATP_MODE_SV48X4) | (1 << HGATP_MODE_SV57X4);

export function kvm_riscv_gstage_gpa_bits(pgd_levels: number): number {
  return HGATP_PAGE_SHIFT + pgd_levels * kvm_riscv_gstage_index_bits + kvm_riscv_gstage_pgd_xbits;
}

/** In bytes; up to 2^59, exact as a double. */
export function kvm_riscv_gstage_gpa_size(pgd_levels: number): number {
  return 2 ** kvm_riscv_gstage_gpa_bits(pgd_levels);
}

/** `kvm_riscv_gstage_mode()` without its WARN (callers in kernel paths use `gstage_mode_warn`). */
export function gstageModeOf(pgd_levels: number): number {
  switch (pgd_levels) {
    case 2:
      return HGATP_MODE_SV32X4;
    case 3:
      return HGATP_MODE_SV39X4;
    case 4:
      return HGATP_MODE_SV48X4;
    case 5:
      return HGATP_MODE_SV57X4;
    default:
      return HGATP_MODE_OFF;
  }
}

export function modeName(mode: number): string {
  switch (mode) {
    case HGATP_MODE_SV32X4:
      return "Sv32x4";
    case HGATP_MODE_SV39X4:
      return "Sv39x4";
    case HGATP_MODE_SV48X4:
      return "Sv48x4";
    case HGATP_MODE_SV57X4:
      return "Sv57x4";
    case HGATP_MODE_OFF:
      return "OFF";
    default:
      return `mode ${mode}`;
  }
}

/** The per-VM g-stage configuration as the properties see it. */
export interface GstageConfig {
  readonly mode: number;
  readonly pgd_levels: number;
}

export function describeConfig(c: GstageConfig): string {
  return `${modeName(c.mode)}/pgd_levels=${c.pgd_levels}`;
}
