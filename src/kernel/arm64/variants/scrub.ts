/**
 * arm64-memfault scrub — Sean Christopherson's proposal in the RFC thread, 2026-05-06,
 * <afs3wp7xBUf2jYK4@google.com>: keep `gmem_abort()` as it is and, in the generic
 * KVM_RUN path of `kvm_vcpu_ioctl()`, scrub `exit_reason` to KVM_EXIT_UNKNOWN when
 * `kvm_arch_vcpu_ioctl_run()` fails with anything but -EFAULT/-EHWPOISON.
 *
 * No code for it was found in the material available (the stored copies of the mails
 * stop before it; kernel-facts D.7 records the proposal in words), so this is the
 * proposal as stated: `if (r < 0 && r != -EFAULT && r != -EHWPOISON)`.
 */
import type { MemfaultVariant } from "../../../targets/memfault/variant.js";
import type { RunReturnHook } from "../../generic/vcpu_ioctl.js";
import { WRITE } from "../../rt/ops.js";
import { EFAULT, EHWPOISON } from "../../uapi/errno.js";
import { KVM_EXIT_UNKNOWN } from "../../uapi/exits.js";
import { current } from "./current.js";

export const scrubExitReason: RunReturnHook<unknown> = function* (vcpu, r) {
  if (r < 0 && r !== -EFAULT && r !== -EHWPOISON) yield* WRITE(vcpu.run.exit_reason, KVM_EXIT_UNKNOWN);
  return r;
};

export const scrub: MemfaultVariant = {
  name: "scrub",
  summary: "generic KVM_RUN return scrubs exit_reason to KVM_EXIT_UNKNOWN unless -EFAULT/-EHWPOISON",
  patch: {
    title: "Re: [RFC PATCH] KVM: arm64: Align KVM_EXIT_MEMORY_FAULT error codes with documentation (Sean Christopherson)",
    list: "linux-arm-kernel@lists.infradead.org, kvmarm@lists.linux.dev",
    date: "2026-05-06",
    messageId: "afs3wp7xBUf2jYK4@google.com",
  },
  gmemErrorExit: current.gmemErrorExit!,
  onRunReturn: scrubExitReason,
};
