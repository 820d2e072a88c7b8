/**
 * x86-caps pre-3e515705 — KVM_CREATE_IRQCHIP before commit 3e515705a1f4 "KVM: Ensure
 * all vcpus are consistent with in-kernel irqchip settings" (Avi Kivity, based on a
 * patch by Michael Ellerman; Linux 3.3, 2012; CVE-2012-1601). Before it, the ioctl
 * refused only a second irqchip (-EEXIST): "If some vcpus are created before
 * KVM_CREATE_IRQCHIP, then irqchip_in_kernel() and vcpu->arch.apic will be
 * inconsistent, leading to potential NULL pointer dereferences." The fix refused the
 * ioctl once a vCPU existed (today: `if (kvm->created_vcpus) r = -EINVAL`) and rejected
 * a vCPU whose apic did not match (kvm_vcpu_compatible()).
 *
 * Transcribed into the 6.18 path: everything is `current` except that KVM_CREATE_IRQCHIP
 * has no vCPU check. A vCPU created before (or while) the irqchip is created has no
 * local APIC although irqchip_in_kernel() says there is one.
 */
import type { X86CapsVariant } from "../../../targets/x86-caps/variant.js";
import type { K } from "../../rt/ops.js";
import { READ, WRITE, mutex_lock, mutex_unlock } from "../../rt/ops.js";
import { EEXIST } from "../../uapi/errno.js";
import type { X86CapsKvm } from "../caps.js";
import { KVM_IRQCHIP_KERNEL, KVM_IRQCHIP_NONE } from "../caps.js";

function* kvm_vm_ioctl_create_irqchip(kvm: X86CapsKvm): K<number> {
  yield* mutex_lock(kvm.lock);
  let r: number;
  if ((yield* READ(kvm.arch.irqchip_mode)) !== KVM_IRQCHIP_NONE) r = -EEXIST;
  else {
    // kvm_create_pic(); kvm_ioapic_init(); kvm_setup_default_irq_routing(); smp_wmb();
    yield* WRITE(kvm.arch.irqchip_mode, KVM_IRQCHIP_KERNEL);
    r = 0;
  }
  yield* mutex_unlock(kvm.lock);
  return r;
}

export const x86CapsPre3e515705: X86CapsVariant = {
  name: "pre-3e515705",
  summary: "KVM_CREATE_IRQCHIP without the vCPU check (before the CVE-2012-1601 fix): vCPUs without a local APIC",
  patch: {
    title: "KVM: Ensure all vcpus are consistent with in-kernel irqchip settings (the code before it)",
    list: "kvm@vger.kernel.org",
    // Approximate: the Linux 3.3 cycle; the commit's exact date was not found.
    date: "2012-03-05",
    messageId: "n/a (commit 3e515705a1f4, Linux 3.3)",
    commits: ["3e515705a1f46beb1c942bb8043c16f8ac7b1e9e"],
  },
  kvm_vm_ioctl_create_irqchip,
};
