/**
 * `cap-ordering`: each call of the g-stage cap gets the result its version's
 * documentation promises in the state the call ran in. The state is the kernel's:
 * `created_vcpus` and the memslots, as the trace shows them.
 *
 * - A call that returns 0 must have applied the mode, and done so while the
 *   documentation still allowed it (no vCPU, no memslot if documented, not set before
 *   if set-once). This is "no cap accepted too late".
 * - A call rejected as too late must have seen, at some point while it ran, the state
 *   that justifies it.
 * - Invalid flags or arguments get -EINVAL; nothing else is documented.
 */
import type { GstageCapContract } from "../model/gstage-contract.js";
import { COMMITMENT_CELLS, commitmentByEvent } from "../src/check/timeline.js";
import { history } from "../src/kernel/rt/trace.js";
import { EINVAL, formatReturn } from "../src/kernel/uapi/errno.js";
import { describeCall } from "../src/program/describe.js";
import type { Property } from "./property.js";
import { HOLDS, violated } from "./property.js";

export function capOrdering(contract: GstageCapContract, configCells: readonly string[]): Property {
  const cells = new Set(configCells);
  return {
    name: "cap-ordering",
    statement: `${contract.cap} is accepted only while its documentation allows it, and rejected only when it says so`,
    // The cap's write against the commitment (created_vcpus and the memslots, each on its
    // own: "a vCPU or memslot exists"); a call's interval against both. Read at the
    // invocations and returns of the calls it judges, the VM's KVM_ENABLE_CAPs only.
    judges: {
      cells: (loc) => cells.has(loc),
      at: ["invoke", "return"],
      context: (loc) => COMMITMENT_CELLS.has(loc),
      contextAt: ["invoke", "return"],
      calls: (c) => c.ioctl === "KVM_ENABLE_CAP" && c.fd === "vm",
    },
    check(ex) {
      // The kernel state at each event: how many vCPUs / memslots existed.
      const state = commitmentByEvent(ex);
      const tooLate = (i: number): string | null => {
        if (contract.rejectAfterVcpu && state.vcpus[i]) return `created_vcpus = ${state.vcpus[i]}`;
        if (contract.rejectAfterMemslot && state.memslots[i]) return `${state.memslots[i]} memslot(s) exist`;
        return null;
      };
      let setAt = -1;
      for (const h of history(ex.events)) {
        const c = h.call;
        if (c.ioctl !== "KVM_ENABLE_CAP" || c.fd !== "vm" || h.result === undefined) continue;
        const r = h.result.r;
        const what = `T${h.tid}:${describeCall(c)} = ${formatReturn(r)}`;
        const valid = Number(c.flags ?? 0) === 0 && c.cap === contract.cap && contract.levelsFor(((c.args as number[]) ?? [])[0] ?? 0) !== null;
        if (!valid) {
          if (r !== -EINVAL) return violated(`${what}: invalid flags or argument, documented -EINVAL`, [h.invokedAt, h.returnedAt!]);
          continue;
        }
        const writes = ex.events.filter((e) => e.kind === "write" && cells.has(e.loc) && e.tid === h.tid && e.call === h.index);
        if (r === 0) {
          if (contract.setOnce && setAt >= 0 && setAt < h.invokedAt)
            return violated(`${what}, but the mode was set already (event ${setAt}) and "can only be set once per VM"`, [setAt, h.returnedAt!]);
          if (writes.length === 0)
            return violated(`${what} without applying the requested mode`, [h.invokedAt, h.returnedAt!]);
          const w = writes[0]!.i;
          const late = tooLate(w);
          if (late) return violated(`${what}: accepted too late, its write at event ${w} came while ${late}`, [h.invokedAt, w]);
          if (setAt < 0) setAt = w;
          continue;
        }
        const documented = contract.tooLateErrno === null ? r < 0 && r !== -EINVAL : r === -contract.tooLateErrno;
        if (!documented) return violated(`${what}: not a documented result`, [h.invokedAt, h.returnedAt!]);
        let justified = contract.setOnce && setAt >= 0 && setAt < h.returnedAt!;
        for (let i = h.invokedAt; i <= h.returnedAt! && !justified; i++) justified = tooLate(i) !== null;
        if (!justified)
          return violated(`${what}: rejected as too late, but no vCPU or memslot existed while it ran`, [h.invokedAt, h.returnedAt!]);
      }
      return HOLDS;
    },
  };
}
