/**
 * The interface a riscv-hgatp variant module implements: the kernel code of one
 * version of the HGATP series, what its documentation promises, and the patch it
 * transcribes. A user variant (a v9 of the series) implements the same.
 */
import type { GstageCapContract } from "../../../model/gstage-contract.js";
import type { RiscvHgatpVariantCode } from "../../kernel/riscv/design.js";
import type { PatchRef } from "../patch.js";

export interface RiscvHgatpVariant<G = unknown> {
  readonly name: string;
  /** One line: what this version does differently. */
  readonly summary: string;
  readonly patch: PatchRef;
  readonly code: RiscvHgatpVariantCode<G>;
  readonly contract: GstageCapContract;
  /** The `args[0]` values programs try with the cap: valid, boundary and invalid. */
  readonly capArgs: readonly number[];
}
