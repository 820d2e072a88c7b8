/**
 * `hgatp-single-view`: while a vCPU or memslot exists, the VM's g-stage
 * configuration (mode, pgd_levels) does not change; every reader's observation equals
 * the configuration in force when it is recorded; mode and levels agree with each
 * other. (Deleting every memslot before any vCPU exists makes the VM configurable
 * again, as v7/v8 document.) Radim Krčmář on v2: "It would be a
 * serious issue if some code would operate on hgatp as if it were X and others as Y."
 *
 * "A vCPU exists" is the kernel's own notion: `created_vcpus` > 0 (every "before
 * vCPUs" check reads it). Observations: `hgatp` (kvm_riscv_mmu_update_hgatp),
 * `memslot-gpa-check` (the levels a memslot's prepare checked, recorded when the slot
 * is committed), `mmu-cache-topup` and `gstage-walk` (kvm_riscv_mmu_map).
 */
import type { GstageConfig } from "../src/kernel/riscv/gstage.js";
import { describeConfig, gstageModeOf, modeName } from "../src/kernel/riscv/gstage.js";
import { COMMITMENT_CELLS, commitmentByEvent } from "../src/check/timeline.js";
import type { Property } from "./property.js";
import { HOLDS, violated } from "./property.js";

export interface GstageConfigView {
  readonly configCells: readonly string[];
  decode(values: Readonly<Record<string, unknown>>): GstageConfig;
}

const READERS = new Set(["hgatp", "memslot-gpa-check", "mmu-cache-topup", "gstage-walk"]);

export function hgatpSingleView(view: GstageConfigView): Property {
  const cells = new Set(view.configCells);
  return {
    name: "hgatp-single-view",
    statement: "while a vCPU or memslot exists the g-stage mode and pgd_levels never change, and every reader sees them",
    // A configuration write against the commitment (created_vcpus and the memslots, each on
    // its own: "a vCPU or memslot exists"), an observation against the configuration.
    judges: { cells: (loc) => cells.has(loc), at: ["observe"], context: (loc) => COMMITMENT_CELLS.has(loc) },
    check(ex) {
      const state = commitmentByEvent(ex);
      // The configuration cells' current values (only they decide the configuration).
      const values: Record<string, unknown> = {};
      for (const c of view.configCells) values[c] = ex.initial[c];
      let cfg = view.decode(values);
      // The event since which a vCPU or memslot has existed without interruption, or -1.
      let committedAt = -1;
      for (const e of ex.events) {
        if (e.kind === "write" && cells.has(e.loc)) {
          const before = cfg;
          values[e.loc] = e.value;
          cfg = view.decode(values);
          const changed = before.mode !== cfg.mode || before.pgd_levels !== cfg.pgd_levels;
          if (changed && committedAt >= 0) {
            const why = state.vcpus[e.i] ? `created_vcpus = ${state.vcpus[e.i]}` : `${state.memslots[e.i]} memslot(s) exist`;
            return violated(
              `T${e.tid} changed the g-stage configuration from ${describeConfig(before)} to ${describeConfig(cfg)} ` +
                `(event ${e.i}: ${e.loc} = ${String(e.value)}) while ${why} (since event ${committedAt})`,
              [committedAt, e.i],
            );
          }
          continue;
        }
        if (!state.vcpus[e.i] && !state.memslots[e.i]) committedAt = -1;
        else if (committedAt < 0) committedAt = e.i;
        if (e.kind !== "observe" || !READERS.has(e.what)) continue;
        const d = e.data as { mode?: number; pgd_levels?: number };
        if (gstageModeOf(cfg.pgd_levels) !== cfg.mode)
          return violated(
            `T${e.tid}'s ${e.what} (event ${e.i}) read a torn configuration: mode ${modeName(cfg.mode)} with pgd_levels ${cfg.pgd_levels}`,
            [e.i],
          );
        if (d.mode !== undefined && d.pgd_levels !== undefined && gstageModeOf(d.pgd_levels) !== d.mode)
          return violated(`T${e.tid}'s ${e.what} (event ${e.i}) used mode ${modeName(d.mode)} with pgd_levels ${d.pgd_levels}`, [e.i]);
        const wrong =
          (d.mode !== undefined && d.mode !== cfg.mode) || (d.pgd_levels !== undefined && d.pgd_levels !== cfg.pgd_levels);
        if (wrong) {
          const used = [d.mode !== undefined ? modeName(d.mode) : null, d.pgd_levels !== undefined ? `pgd_levels=${d.pgd_levels}` : null]
            .filter(Boolean)
            .join("/");
          return violated(
            `T${e.tid}'s ${e.what} (event ${e.i}) used ${used} but the VM's configuration is ${describeConfig(cfg)}`,
            [e.i],
          );
        }
      }
      return HOLDS;
    },
  };
}
