/**
 * Shared kernel state: cells (fields of `struct kvm`, `struct kvm_vcpu`, `kvm_run`)
 * and mutexes. A fresh set is made for every execution, so executions never share
 * state; names are the kernel's (`kvm->created_vcpus`, `kvm->slots_lock`) so that
 * traces read like the C.
 */

export interface Cell<T> {
  readonly name: string;
  value: T;
}

export interface Mutex {
  readonly name: string;
  /** The thread holding it, or null. */
  owner: number | null;
}

/** Makes the cells and mutexes of one execution and remembers them by name. */
export class SharedState {
  private readonly cells = new Map<string, Cell<unknown>>();
  private readonly mutexes = new Map<string, Mutex>();

  cell<T>(name: string, value: T): Cell<T> {
    const c: Cell<T> = { name: this.unique(name), value };
    this.cells.set(c.name, c as Cell<unknown>);
    return c;
  }

  mutex(name: string): Mutex {
    const m: Mutex = { name: this.unique(name), owner: null };
    this.mutexes.set(m.name, m);
    return m;
  }

  /**
   * Locations are told apart by name (traces, DPOR). An object allocated twice under
   * one name (a second `struct kvm_vcpu` for a duplicate id) gets `#2`, `#3`, ...
   */
  private unique(name: string): string {
    if (!this.cells.has(name) && !this.mutexes.has(name)) return name;
    for (let k = 2; ; k++) {
      const n = `${name}#${k}`;
      if (!this.cells.has(n) && !this.mutexes.has(n)) return n;
    }
  }

  /** The current value of every cell, by name (for reports and properties). */
  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, c] of this.cells) out[name] = c.value;
    return out;
  }
}
