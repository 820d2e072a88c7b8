/**
 * The vCPU fds of a race-mode repetition, shared between its threads as a VMM's threads
 * share them: the fd KVM_CREATE_VCPU returns on one thread is the vCPU's fd for every
 * thread of the process (fds are per process). A thread publishes the fd when its
 * KVM_CREATE_VCPU has returned; another thread's KVM_RUN on that vCPU before then has no
 * fd to use, as a VMM's thread would have none, and the kernel answers its KVM_RUN on
 * fd -1 (EBADF).
 *
 * Layout (Int32Array on a SharedArrayBuffer): [0] entries used, then (id, fd) pairs, -1
 * where not written yet. An entry's id is stored before its fd, and a reader takes it
 * only once the fd is there.
 */
export const SHARED_VCPU_SLOTS = 64;

export function sharedVcpuTable(): Int32Array {
  const t = new Int32Array(new SharedArrayBuffer(4 * (1 + 2 * SHARED_VCPU_SLOTS)));
  resetVcpuTable(t);
  return t;
}

/** Empties the table (between repetitions, while no thread runs). */
export function resetVcpuTable(t: Int32Array): void {
  t.fill(-1);
  Atomics.store(t, 0, 0);
}

export function publishVcpu(t: Int32Array, id: number, fd: number): void {
  const k = Atomics.add(t, 0, 1);
  if (k >= SHARED_VCPU_SLOTS) throw new Error(`more than ${SHARED_VCPU_SLOTS} vCPUs in one race-mode program`);
  Atomics.store(t, 1 + 2 * k, id);
  Atomics.store(t, 2 + 2 * k, fd);
}

/** The fd of vCPU `id` if a thread has published it, else -1. */
export function lookupVcpu(t: Int32Array, id: number): number {
  const n = Math.min(Atomics.load(t, 0), SHARED_VCPU_SLOTS);
  for (let k = 0; k < n; k++) if (Atomics.load(t, 1 + 2 * k) === id) return Atomics.load(t, 2 + 2 * k);
  return -1;
}
