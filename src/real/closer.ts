/**
 * Batched teardown: VM fds are closed on a worker thread (src/real/closer-worker.ts),
 * a batch at a time, while the caller goes on. Everything else (kvm_run munmap, vCPU
 * fds) is closed at once by the caller, so the VM's last reference is the fd sent here.
 * At most `limit` VMs wait to be destroyed; `flush()` waits until none does. The
 * teardown thread keeps each fd number taken until its VM is destroyed, so a VM created
 * meanwhile never gets the number (and the debugfs directory name) of one being
 * destroyed (src/real/closer-worker.ts).
 */
import { Worker } from "node:worker_threads";

export class Closer {
  private readonly pending: Int32Array;
  private readonly worker: Worker;
  private batch: number[] = [];

  constructor(
    private readonly limit = 32,
    private readonly batchSize = 8,
  ) {
    const shared = new SharedArrayBuffer(4);
    this.pending = new Int32Array(shared);
    const here = import.meta.url;
    const fromSource = here.endsWith(".ts");
    const module = new URL(fromSource ? "./closer-worker.ts" : "./closer-worker.js", here).href;
    const url = fromSource ? new URL("../explore/exhaustive/worker-boot.mjs", here) : new URL(module);
    this.worker = new Worker(url, { workerData: { module, shared } });
    // The closer must not keep a finished CLI alive; close() flushes before ending it.
    this.worker.unref();
  }

  close(fd: number): void {
    Atomics.add(this.pending, 0, 1);
    this.batch.push(fd);
    if (this.batch.length >= this.batchSize) this.send();
    // Back-pressure: do not let destroyed-to-be VMs pile up.
    for (let p = Atomics.load(this.pending, 0); p > this.limit; p = Atomics.load(this.pending, 0)) Atomics.wait(this.pending, 0, p, 100);
  }

  private send(): void {
    if (this.batch.length === 0) return;
    this.worker.postMessage(this.batch);
    this.batch = [];
  }

  /** Waits until every fd handed over is closed. */
  flush(): void {
    this.send();
    for (let p = Atomics.load(this.pending, 0); p > 0; p = Atomics.load(this.pending, 0)) Atomics.wait(this.pending, 0, p, 100);
  }

  async stop(): Promise<void> {
    this.flush();
    await this.worker.terminate();
  }
}
