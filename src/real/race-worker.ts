/**
 * A race-mode worker thread: one program thread. It loads koffi for itself, blocks the
 * kick signal, tells the main thread its kernel tid, then for each repetition waits at
 * the barrier with the other workers and makes its calls on the shared VM fd,
 * stamping each invoke and return from a shared Atomics counter (the real-time order
 * linearizability needs). Its vCPU fds and kvm_run mappings are its own; it tears them
 * down before answering.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Call } from "../kernel/rt/trace.js";
import type { CallRecord } from "./session.js";
import { VmSession } from "./session.js";
import { threadSignals } from "./signals.js";

export interface RaceWorkerData {
  readonly tid: number;
  readonly threads: number;
  readonly devFd: number;
  readonly vcpuMmapSize: number;
  readonly arenaBase: string;
  readonly watchdogMs: number;
  /** [0] barrier arrivals, [1] clock, [2 + t] kick pending for thread t, [2 + threads + t] kernel tid of thread t. */
  readonly shared: SharedArrayBuffer;
}

export interface RaceRequest {
  readonly vmFd: number;
  readonly calls: readonly Call[];
  /** Barrier generation: every worker arrives once per repetition. */
  readonly generation: number;
}

export interface RaceAnswer {
  readonly records: readonly CallRecord[];
  /** [invoke, return] clock values per call. */
  readonly stamps: readonly (readonly [number, number])[];
  readonly error?: string;
}

const data = workerData as RaceWorkerData;
const sync = new Int32Array(data.shared);
const BARRIER = 0;
const CLOCK = 1;
const kickFlags = new Int32Array(data.shared, 8, data.threads);
const tids = new Int32Array(data.shared, 8 + 4 * data.threads, data.threads);

const sig = threadSignals();
Atomics.store(tids, data.tid, sig.tid);

parentPort!.on("message", (req: RaceRequest) => {
  const session = new VmSession(
    {
      devFd: data.devFd,
      vmFd: req.vmFd,
      vcpuMmapSize: data.vcpuMmapSize,
      arenaBase: BigInt(data.arenaBase),
      watchdogMs: data.watchdogMs,
      threadTids: Array.from(tids),
      kickFlags,
    },
    data.tid,
  );
  const records: CallRecord[] = [];
  const stamps: [number, number][] = [];
  let error: string | undefined;
  // A kick sent to this thread in the previous repetition (after its last run) is gone:
  // every worker answered before this repetition was posted, and tgkill queues at once.
  sig.drain();
  Atomics.store(kickFlags, data.tid, 0);
  // Start together: spin until every worker of this generation has arrived.
  Atomics.add(sync, BARRIER, 1);
  const all = req.generation * data.threads;
  while (Atomics.load(sync, BARRIER) < all);
  try {
    for (const c of req.calls) {
      const inv = Atomics.add(sync, CLOCK, 1);
      const rec = session.call(c);
      const ret = Atomics.add(sync, CLOCK, 1);
      records.push(rec);
      stamps.push([inv, ret]);
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    session.teardown();
  }
  parentPort!.postMessage({ records, stamps, ...(error !== undefined ? { error } : {}) } satisfies RaceAnswer);
});

parentPort!.postMessage({ ready: true });
