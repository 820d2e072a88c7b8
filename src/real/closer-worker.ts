/**
 * The teardown thread: closes the VM fds the backend hands it. Destroying a VM
 * (`kvm_destroy_vm()` on the last close) takes milliseconds of kernel time on this host
 * (kernel-facts H); done here it overlaps with the next programs instead of stalling
 * them. [0] of the shared counter is the number of fds not closed yet.
 *
 * The fd number must not be reused while its VM is being destroyed: KVM names a VM's
 * debugfs directory `<pid>-<fd>` (virt/kvm/kvm_main.c `kvm_create_vm_debugfs()`) and
 * removes it only in `kvm_destroy_vm()`. close(2) frees the number at once and leaves
 * the final fput (kvm_vm_release() -> kvm_put_kvm() -> kvm_destroy_vm()) to task work
 * run when this thread returns to userspace, so the main thread's next KVM_CREATE_VM
 * could take the number first and find the directory still there ("debugfs: Directory
 * '<pid>-<fd>' ... duplicate directory", a VM without stats). Here the number is first
 * pointed at /dev/null with dup3(), which drops the VM in the same call, so the VM is
 * destroyed before dup3() returns while the number stays taken; only then is it closed.
 */
import { parentPort, workerData } from "node:worker_threads";
import { close, dup3, open } from "./libc.js";
import { O_CLOEXEC, O_RDWR } from "./uapi.js";

const pending = new Int32Array((workerData as { shared: SharedArrayBuffer }).shared);
const placeholder = open("/dev/null", O_RDWR | O_CLOEXEC);
if (placeholder < 0) throw new Error(`the teardown thread cannot open /dev/null: errno ${-placeholder}`);

parentPort!.on("message", (fds: number[]) => {
  for (const fd of fds) {
    // Should dup3() fail (it does not, for an open fd), close() still closes the VM, as before.
    dup3(placeholder, fd, O_CLOEXEC);
    close(fd);
    Atomics.sub(pending, 0, 1);
    Atomics.notify(pending, 0);
  }
});
