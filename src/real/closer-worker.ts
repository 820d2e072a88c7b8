/**
 * The teardown thread: closes the VM fds the backend hands it. Destroying a VM
 * (`kvm_destroy_vm()` on the last close) takes milliseconds of kernel time on this host
 * (kernel-facts H); done here it overlaps with the next programs instead of stalling
 * them. [0] of the shared counter is the number of fds not closed yet.
 */
import { parentPort, workerData } from "node:worker_threads";
import { close } from "./libc.js";

const pending = new Int32Array((workerData as { shared: SharedArrayBuffer }).shared);

parentPort!.on("message", (fds: number[]) => {
  for (const fd of fds) {
    close(fd);
    Atomics.sub(pending, 0, 1);
    Atomics.notify(pending, 0);
  }
});
