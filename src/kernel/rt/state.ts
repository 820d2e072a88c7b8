/**
 * Shared kernel state: cells (fields of `struct kvm`, `struct kvm_vcpu`, `kvm_run`)
 * and mutexes. A fresh set is made for every execution, so executions never share
 * state; names are the kernel's (`kvm->created_vcpus`, `kvm->slots_lock`) so that
 * traces read like the C.
 */

export interface Cell<T> {
  readonly name: string;
  /** The location's number (locationId of its name): explorers compare locations by it. */
  readonly id: number;
  value: T;
}

export interface Mutex {
  readonly name: string;
  readonly id: number;
  /** The thread holding it, or null. */
  owner: number | null;
}

/**
 * Location names are numbered once per process: every execution makes its cells again
 * under the same names, and the explorers' per-step bookkeeping indexes arrays by these
 * numbers instead of hashing the names.
 */
const ids = new Map<string, number>();
const names: string[] = [];
/** For a location, the numbers of its `#2`, `#3`, ... namesakes (made once, not per execution). */
const again: number[][] = [];
export function locationId(name: string): number {
  let id = ids.get(name);
  if (id === undefined) {
    ids.set(name, (id = names.length));
    names.push(name);
  }
  return id;
}

/** Makes the cells and mutexes of one execution and remembers them. */
export class SharedState {
  private readonly cells: Cell<unknown>[] = [];
  /** Location numbers in use in this execution (cells and mutexes share one namespace). */
  private readonly used: boolean[] = [];

  cell<T>(name: string, value: T): Cell<T> {
    const id = this.claim(name);
    const c: Cell<T> = { name: names[id]!, id, value };
    this.cells.push(c as Cell<unknown>);
    return c;
  }

  mutex(name: string): Mutex {
    const id = this.claim(name);
    return { name: names[id]!, id, owner: null };
  }

  /**
   * Locations are told apart by name (traces, DPOR). An object allocated twice under
   * one name (a second `struct kvm_vcpu` for a duplicate id) gets `#2`, `#3`, ...
   */
  private claim(name: string): number {
    let id = locationId(name);
    if (this.used[id]) {
      const alt = (again[id] ??= []);
      for (let k = 0; this.used[id]; k++) id = alt[k] ??= locationId(`${name}#${k + 2}`);
    }
    this.used[id] = true;
    return id;
  }

  /** The current value of every cell, by name (for reports and properties). */
  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.cells) out[c.name] = c.value;
    return out;
  }
}
