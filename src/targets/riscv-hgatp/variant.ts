/**
 * The interface a riscv-hgatp variant module implements: the kernel code of one
 * version of the HGATP series, what its documentation promises, and the patch it
 * transcribes. A user variant (a v9 of the series) implements the same.
 */
import type { GstageCapContract } from "../../../model/gstage-contract.js";
import type { RiscvHgatpVariantCode } from "../../kernel/riscv/design.js";
import type { KvmMainOverrides } from "../../kernel/generic/kvm.js";
import type { RiscvKvmArch, RiscvVcpuArch } from "../../kernel/riscv/design.js";
import type { VariantBase } from "../patch.js";

/** The kvm_main.c paths it may replace (by kernel name) sit beside `code`, as on every target. */
export interface RiscvHgatpVariant<G = unknown> extends VariantBase, KvmMainOverrides<RiscvKvmArch<G>, RiscvVcpuArch> {
  readonly code: RiscvHgatpVariantCode<G>;
  readonly contract: GstageCapContract;
  /** The `args[0]` values programs try with the cap: valid, boundary and invalid. */
  readonly capArgs: readonly number[];
}
