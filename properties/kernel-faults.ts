/**
 * Findings the runtime itself makes, as properties: a lockdep assertion reached without
 * the lock, a deadlock, an oops, a WARN. Every target has them.
 */
import type { FaultKind } from "../src/kernel/rt/ops.js";
import type { Property } from "./property.js";
import { HOLDS, violated } from "./property.js";

function faultProperty(name: string, fault: FaultKind, statement: string): Property {
  return {
    name,
    statement,
    check(ex) {
      const hits = ex.events.filter((e) => e.kind === "fault" && e.fault === fault);
      if (hits.length === 0) return HOLDS;
      const first = hits[0]!;
      const message = first.kind === "fault" ? first.message : fault;
      return violated(`thread ${first.tid}, event ${first.i}: ${message}`, hits.map((e) => e.i));
    },
  };
}

export const lockdep = faultProperty("lockdep", "lockdep", "every lockdep_assert_held() is reached with the lock held");
export const noDeadlock = faultProperty("no-deadlock", "deadlock", "the threads never all wait on mutexes held by each other");
export const noOops = faultProperty("no-oops", "oops", "no kernel path oopses (NULL dereference, unlock of an unheld mutex)");
export const noWarn = faultProperty("no-warn", "warn", "no WARN_ON fires");
