/**
 * Target `riscv-hgatp`: the RISC-V series that lets userspace pick the g-stage (hgatp)
 * mode per VM (Fangyu Yu, Jan–Apr 2026; kernel-facts A, B). Variants v2, v7, v8.
 */
import { riscvVmReference } from "../../../model/riscv-vm.js";
import { capOrdering } from "../../../properties/cap-ordering.js";
import { hgatpSingleView } from "../../../properties/hgatp-single-view.js";
import { lockdep, noDeadlock, noOops, noWarn } from "../../../properties/kernel-faults.js";
import { linearizable } from "../../../properties/linearizable.js";
import { kvm_create_vm } from "../../kernel/generic/kvm.js";
import { sys_ioctl } from "../../kernel/generic/syscall.js";
import { riscvArchOps } from "../../kernel/riscv/arch.js";
import { v2 } from "../../kernel/riscv/variants/v2.js";
import { v7 } from "../../kernel/riscv/variants/v7.js";
import { v8 } from "../../kernel/riscv/variants/v8.js";
import { execute } from "../../kernel/rt/execution.js";
import { SharedState } from "../../kernel/rt/state.js";
import { UAPI_CAPS } from "../../kernel/uapi/caps.js";
import type { Subject, Target } from "../target.js";
import { riscvHgatpAlphabet, riscvHgatpExhaustiveAlphabet } from "./alphabet.js";
import type { RiscvHgatpVariant } from "./variant.js";
import { mainOverridesOf, widenAlphabet } from "../hooks.js";
import { riscvHgatpHooks } from "./hooks.js";

export const RISCV_HGATP_VARIANTS: readonly RiscvHgatpVariant[] = [v2, v7, v8] as readonly RiscvHgatpVariant[];

export function riscvHgatpSubject(variant: RiscvHgatpVariant): Subject {
  const ops = riscvArchOps(variant.code);
  const caps = { ...UAPI_CAPS, ...variant.code.caps };
  const model = riscvVmReference(variant.contract);
  const main = mainOverridesOf(variant);
  return {
    target: "riscv-hgatp",
    variant: variant.name,
    summary: variant.summary,
    patch: variant.patch,
    patchCaps: variant.code.caps,
    alphabet: riscvHgatpAlphabet(variant),
    exhaustive: { alphabet: widenAlphabet(riscvHgatpExhaustiveAlphabet(variant), riscvHgatpHooks, variant) },
    ...(variant.lines ? { lines: variant.lines } : {}),
    properties: [
      hgatpSingleView(variant.code.design),
      capOrdering(variant.contract, variant.code.design.configCells),
      linearizable(model),
      lockdep,
      noOops,
      noDeadlock,
      noWarn,
    ],
    model: model as Subject["model"],
    execute(threads, scheduler) {
      const shared = new SharedState();
      const ctx = { kvm: kvm_create_vm(ops, shared, { main }), caps, hooks: {} };
      return execute(ctx, shared, threads, (c, tid, call) => sys_ioctl(c, tid, call), scheduler);
    },
  };
}

export const riscvHgatp: Target = {
  name: "riscv-hgatp",
  summary: "RISC-V per-VM g-stage (hgatp) mode: the cap must not change the mode once a vCPU or memslot exists",
  variants: RISCV_HGATP_VARIANTS.map(({ name, summary, patch }) => ({ name, summary, patch })),
  hooks: riscvHgatpHooks,
  subject(name) {
    const v = RISCV_HGATP_VARIANTS.find((x) => x.name === name);
    if (!v) throw new Error(`riscv-hgatp has no variant ${name}`);
    return riscvHgatpSubject(v);
  },
};
