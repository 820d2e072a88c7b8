/**
 * `memfault-errno`: when KVM_RUN returns with exit_reason = KVM_EXIT_MEMORY_FAULT, it
 * returned -1 with errno EFAULT or EHWPOISON (api.rst: "errno will always be set to
 * EFAULT or EHWPOISON when KVM exits with KVM_EXIT_MEMORY_FAULT"). A 0 return with that
 * exit is a violation under both readings; under `doc`, an error return with another
 * errno leaves exit_reason "stale/undefined", so only the 0 return is checked.
 */
import type { MemfaultReading } from "../model/vcpu-run.js";
import { history } from "../src/kernel/rt/trace.js";
import { EFAULT, EHWPOISON, formatReturn } from "../src/kernel/uapi/errno.js";
import { KVM_EXIT_MEMORY_FAULT } from "../src/kernel/uapi/exits.js";
import { describeCall } from "../src/program/describe.js";
import type { Property } from "./property.js";
import { HOLDS, violated } from "./property.js";

export function memfaultErrno(reading: MemfaultReading): Property {
  return {
    name: "memfault-errno",
    statement:
      reading === "strict"
        ? "KVM_EXIT_MEMORY_FAULT is visible only after KVM_RUN returned -1 with EFAULT or EHWPOISON"
        : "KVM_RUN never returns 0 with KVM_EXIT_MEMORY_FAULT (other errnos leave exit_reason undefined)",
    check(ex) {
      for (const h of history(ex.events)) {
        if (h.call.ioctl !== "KVM_RUN" || !h.result?.run) continue;
        if (Number(h.result.run.exit_reason) !== KVM_EXIT_MEMORY_FAULT) continue;
        const r = h.result.r;
        const bad = reading === "strict" ? r !== -EFAULT && r !== -EHWPOISON : r >= 0;
        if (bad)
          return violated(
            `T${h.tid}:${describeCall(h.call)} returned ${formatReturn(r)} with exit_reason KVM_EXIT_MEMORY_FAULT`,
            [h.invokedAt, h.returnedAt!],
          );
      }
      return HOLDS;
    },
  };
}
