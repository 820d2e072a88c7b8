/**
 * A race-mode worker thread: one program thread. It loads koffi for itself, blocks the
 * kick signal, tells the main thread its kernel tid, then for each repetition waits at
 * the barrier with the other workers and makes its calls on the shared VM fd,
 * stamping each invoke and return from a shared Atomics counter (the real-time order
 * linearizability needs). The vCPU fds it creates it publishes to the other workers
 * (src/real/shared-vcpus.ts), as a VMM's threads share them; once every worker is done
 * with its calls, it unmaps its kvm_run mappings, closes the fds it created, and answers.
 * Told to stop, it deletes its watchdog timer (a POSIX timer outlives its thread).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Call } from "../kernel/rt/trace.js";
import type { CallRecord } from "./session.js";
import { VmSession } from "./session.js";
import { releaseThreadSignals, threadSignals } from "./signals.js";

export interface RaceWorkerData {
  readonly tid: number;
  readonly threads: number;
  readonly devFd: number;
  readonly vcpuMmapSize: number;
  readonly arenaBase: string;
  readonly watchdogMs: number;
  /** [0] barrier arrivals, [1] clock, [2 + t] kick pending for thread t, [2 + threads + t] kernel tid of thread t. */
  readonly shared: SharedArrayBuffer;
  /** [0] workers done with their calls (over all repetitions). */
  readonly done: SharedArrayBuffer;
  /** The vCPU fds of the current repetition (src/real/shared-vcpus.ts). */
  readonly vcpus: SharedArrayBuffer;
}

/** A repetition to run, or the end of the run. */
export type RaceMessage = RaceRequest | { readonly stop: true };

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
const done = new Int32Array(data.done);
const sharedVcpus = new Int32Array(data.vcpus);

const sig = threadSignals();
Atomics.store(tids, data.tid, sig.tid);

parentPort!.on("message", (msg: RaceMessage) => {
  if ("stop" in msg) {
    releaseThreadSignals();
    parentPort!.postMessage({ stopped: true });
    return;
  }
  const req = msg;
  const session = new VmSession(
    {
      devFd: data.devFd,
      vmFd: req.vmFd,
      vcpuMmapSize: data.vcpuMmapSize,
      arenaBase: BigInt(data.arenaBase),
      watchdogMs: data.watchdogMs,
      threadTids: Array.from(tids),
      kickFlags,
      sharedVcpus,
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
    // Another worker may still run on a vCPU fd this one created: wait until all are done.
    Atomics.add(done, 0, 1);
    Atomics.notify(done, 0);
    for (let d = Atomics.load(done, 0); d < all; d = Atomics.load(done, 0)) Atomics.wait(done, 0, d, 100);
    session.teardown();
  }
  parentPort!.postMessage({ records, stamps, ...(error !== undefined ? { error } : {}) } satisfies RaceAnswer);
});

parentPort!.postMessage({ ready: true });
