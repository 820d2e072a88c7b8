/**
 * `no-stale-memfault`: a KVM_RUN does not return with an earlier run's
 * KVM_EXIT_MEMORY_FAULT still visible. Every arch returns early from KVM_RUN
 * (immediate_exit, completion errors) before it resets exit_reason.
 *
 * Under `doc`, only returns whose exit information api.rst calls meaningful are
 * checked: 0, and -1 with EFAULT/EHWPOISON (userspace then reads KVM_EXIT_MEMORY_FAULT
 * and would take the old fault for a new one).
 */
import type { MemfaultReading } from "../model/vcpu-run.js";
import { history } from "../src/kernel/rt/trace.js";
import { EFAULT, EHWPOISON, formatReturn } from "../src/kernel/uapi/errno.js";
import { KVM_EXIT_MEMORY_FAULT } from "../src/kernel/uapi/exits.js";
import { describeCall } from "../src/program/describe.js";
import type { Property } from "./property.js";
import { HOLDS, violated } from "./property.js";

const EXIT_REASON = /->run->exit_reason$/;

export function noStaleMemfault(reading: MemfaultReading): Property {
  return {
    name: "no-stale-memfault",
    statement: "KVM_RUN never returns with an earlier run's KVM_EXIT_MEMORY_FAULT still in exit_reason",
    // The exit_reason userspace reads: the last write before the return.
    judges: { cells: (loc) => EXIT_REASON.test(loc), at: ["return"], calls: (c) => c.ioctl === "KVM_RUN" },
    check(ex) {
      for (const h of history(ex.events)) {
        if (h.call.ioctl !== "KVM_RUN" || !h.result?.run) continue;
        if (Number(h.result.run.exit_reason) !== KVM_EXIT_MEMORY_FAULT) continue;
        const r = h.result.r;
        if (reading === "doc" && r < 0 && r !== -EFAULT && r !== -EHWPOISON) continue;
        // Who wrote the KVM_EXIT_MEMORY_FAULT userspace read? Its last write before the return.
        let writer = -1;
        for (const e of ex.events) {
          if (e.i > h.returnedAt!) break;
          if (e.kind === "write" && EXIT_REASON.test(e.loc)) writer = e.value === KVM_EXIT_MEMORY_FAULT ? e.i : -1;
        }
        const w = writer >= 0 ? ex.events[writer]! : null;
        if (w && w.tid === h.tid && w.call === h.index) continue;
        return violated(
          `T${h.tid}:${describeCall(h.call)} returned ${formatReturn(r)} with KVM_EXIT_MEMORY_FAULT ` +
            (w ? `left by T${w.tid}'s call ${w.call} (event ${w.i})` : "it did not write"),
          w ? [w.i, h.returnedAt!] : [h.returnedAt!],
        );
      }
      return HOLDS;
    },
  };
}
