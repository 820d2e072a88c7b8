/**
 * `cap-ordering` for x86: a VM-wide setting that api.rst allows only before the first
 * vCPU is never applied while a vCPU exists. Judged by kernel state, not by results:
 * every write a successful before-vCPU call makes to the setting it configures must
 * come while `kvm->created_vcpus` is 0 (a vCPU being created counts: the checks
 * read created_vcpus, and kvm_arch_vcpu_create() reads the settings after it is raised).
 *
 * Which cell each call configures is the kernel's: irqchip_mode (KVM_CREATE_IRQCHIP,
 * KVM_CAP_SPLIT_IRQCHIP), disabled_exits (KVM_CAP_X86_DISABLE_EXITS), dirty_ring_size
 * (KVM_CAP_DIRTY_LOG_RING*), bsp_vcpu_id (KVM_SET_BOOT_CPU_ID), max_vcpu_ids
 * (KVM_CAP_MAX_VCPU_ID; the first KVM_CREATE_VCPU fixes it, which is not a cap call).
 */
import { commitmentByEvent } from "../src/check/timeline.js";
import type { Call } from "../src/kernel/rt/trace.js";
import { history } from "../src/kernel/rt/trace.js";
import { formatReturn } from "../src/kernel/uapi/errno.js";
import { describeCall } from "../src/program/describe.js";
import type { Property } from "./property.js";
import { HOLDS, violated } from "./property.js";

const CAP_CELLS: Readonly<Record<string, string>> = {
  KVM_CAP_SPLIT_IRQCHIP: "kvm->arch.irqchip_mode",
  KVM_CAP_X86_DISABLE_EXITS: "kvm->arch.disabled_exits",
  KVM_CAP_DIRTY_LOG_RING: "kvm->dirty_ring_size",
  KVM_CAP_DIRTY_LOG_RING_ACQ_REL: "kvm->dirty_ring_size",
  KVM_CAP_MAX_VCPU_ID: "kvm->arch.max_vcpu_ids",
};

const SETTING_CELLS: ReadonlySet<string> = new Set([...Object.values(CAP_CELLS), "kvm->arch.irqchip_mode", "kvm->arch.bsp_vcpu_id"]);

/** The setting a before-vCPU call configures, or null for calls without that rule. */
export function beforeVcpuCell(call: Call): string | null {
  if (call.fd !== "vm") return null;
  if (call.ioctl === "KVM_CREATE_IRQCHIP") return "kvm->arch.irqchip_mode";
  if (call.ioctl === "KVM_SET_BOOT_CPU_ID") return "kvm->arch.bsp_vcpu_id";
  if (call.ioctl === "KVM_ENABLE_CAP") return CAP_CELLS[String(call.cap)] ?? null;
  return null;
}

export const beforeVcpu: Property = {
  name: "cap-ordering",
  statement: "no before-vCPU setting (irqchip, disabled exits, dirty ring, boot vCPU, max vCPU id) is applied while a vCPU exists",
  // Each setting's write against created_vcpus: the settings are its context, each judged on its own.
  judges: { cells: (loc) => loc === "kvm->created_vcpus", at: [], context: (loc) => SETTING_CELLS.has(loc) },
  check(ex) {
    const state = commitmentByEvent(ex);
    for (const h of history(ex.events)) {
      if (h.result?.r !== 0) continue;
      const cell = beforeVcpuCell(h.call);
      if (!cell) continue;
      for (const e of ex.events) {
        if (e.kind !== "write" || e.loc !== cell || e.tid !== h.tid || e.call !== h.index) continue;
        const n = state.vcpus[e.i]!;
        if (n > 0)
          return violated(
            `T${h.tid}:${describeCall(h.call)} = ${formatReturn(0)} applied ${cell} := ${JSON.stringify(e.value)} at event ${e.i} while created_vcpus = ${n}`,
            [h.invokedAt, e.i],
          );
      }
    }
    return HOLDS;
  },
};
