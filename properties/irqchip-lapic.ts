/**
 * `vcpu-apic`: every vCPU has an in-kernel local APIC exactly when the VM has an
 * in-kernel irqchip (`irqchip_in_kernel(kvm) == !!vcpu->arch.apic`, the invariant
 * `kvm_vcpu_compatible()` enforced after CVE-2012-1601). A vCPU without an APIC in a
 * VM whose irqchip is in the kernel is the NULL dereference of that CVE waiting to
 * happen. Read from the `vcpu-lapic` observations kvm_arch_vcpu_create() makes and the
 * final `kvm->arch.irqchip_mode`.
 */
import { history } from "../src/kernel/rt/trace.js";
import type { Property } from "./property.js";
import { HOLDS, violated } from "./property.js";

const MODE = "kvm->arch.irqchip_mode";

export const vcpuApic: Property = {
  name: "vcpu-apic",
  statement: "every created vCPU has a local APIC in the kernel exactly when the VM's irqchip is in the kernel",
  check(ex) {
    let mode = Number(ex.initial[MODE] ?? 0);
    let modeAt = -1;
    for (const e of ex.events) {
      if (e.kind === "write" && e.loc === MODE) {
        mode = Number(e.value);
        modeAt = e.i;
      }
    }
    const created = new Set(
      history(ex.events)
        .filter((h) => h.call.ioctl === "KVM_CREATE_VCPU" && h.result !== undefined && h.result.r >= 0)
        .map((h) => `${h.tid}.${h.index}`),
    );
    for (const e of ex.events) {
      if (e.kind !== "observe" || e.what !== "vcpu-lapic" || !created.has(`${e.tid}.${e.call}`)) continue;
      const lapic = Boolean(e.data.lapic);
      if (lapic !== (mode !== 0))
        return violated(
          `vCPU ${String(e.data.vcpu)} was created ${lapic ? "with" : "without"} a local APIC (event ${e.i}), ` +
            `but the VM's irqchip is ${mode === 0 ? "not in the kernel" : "in the kernel"}` +
            (modeAt >= 0 ? ` (irqchip_mode := ${mode} at event ${modeAt})` : ""),
          modeAt >= 0 ? [e.i, modeAt] : [e.i],
        );
    }
    return HOLDS;
  },
};
