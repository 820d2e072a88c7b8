/**
 * `no-stale-exit-reason`: a KVM_RUN that returns an error leaves no exit_reason from an
 * earlier run: either it wrote exit_reason itself (KVM_EXIT_INTR for a signal, say),
 * or nothing had written it yet. Stricter than `no-stale-memfault`, which looks only at
 * KVM_EXIT_MEMORY_FAULT; api.rst itself promises nothing after errnos other than
 * EFAULT/EHWPOISON ("stale/undefined"), and x86 keeps exit_reason across an
 * immediate_exit on purpose (kernel-facts D.5), so this property states the
 * userspace-friendly contract, not the documented one.
 */
import { history } from "../src/kernel/rt/trace.js";
import { formatReturn } from "../src/kernel/uapi/errno.js";
import { exitName } from "../src/kernel/uapi/exits.js";
import { describeCall } from "../src/program/describe.js";
import type { Property } from "./property.js";
import { HOLDS, violated } from "./property.js";

const EXIT_REASON = /->run->exit_reason$/;

export const noStaleExitReason: Property = {
  name: "no-stale-exit-reason",
  statement: "a KVM_RUN that returns an error does not leave an earlier run's exit_reason in kvm_run",
  // The exit_reason userspace reads: the last write before the return.
  judges: { cells: (loc) => EXIT_REASON.test(loc), at: ["return"], calls: (c) => c.ioctl === "KVM_RUN" },
  check(ex) {
    for (const h of history(ex.events)) {
      if (h.call.ioctl !== "KVM_RUN" || !h.result?.run || h.result.r >= 0) continue;
      // The last write to this vCPU's exit_reason before the return, and whose it was.
      const vcpu = `vcpu${(h.call.fd as { vcpu: number }).vcpu}->run->exit_reason`;
      let w: (typeof ex.events)[number] | null = null;
      for (const e of ex.events) {
        if (e.i > h.returnedAt!) break;
        if (e.kind === "write" && EXIT_REASON.test(e.loc) && e.loc === vcpu) w = e;
      }
      if (!w || w.kind !== "write" || (w.tid === h.tid && w.call === h.index)) continue;
      return violated(
        `T${h.tid}:${describeCall(h.call)} returned ${formatReturn(h.result.r)} with exit_reason ${exitName(Number(w.value))} ` +
          `left by T${w.tid}'s call ${w.call} (event ${w.i})`,
        [w.i, h.returnedAt!],
      );
    }
    return HOLDS;
  },
};
