/**
 * No fd, mapping or VM leak: 10,000 real executions (small programs, every tenth with
 * a KVM_RUN and so a kvm_run mapping and a guest) leave the process with as many open
 * fds (/proc/self/fd) and mappings (/proc/self/maps lines) as before. Batched teardown
 * never lets a VM's fd number go to a new VM while the old one is being destroyed (its
 * debugfs directory, `<pid>-<fd>`, would clash: the kernel logs it).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Call } from "../src/kernel/rt/trace.js";
import { RealBackend } from "../src/real/backend.js";
import { devicePath, probeDevice } from "../src/real/device.js";
import { EXIT_REASON_FIXTURE } from "../src/real/exit-reasons.js";
import { testWatchdogMs } from "./real-watchdog.js";

const device = devicePath();
const { available, why } = probeDevice(device);

const fds = () => readdirSync("/proc/self/fd").length;
const mapLines = () => readFileSync("/proc/self/maps", "utf8").trim().split("\n");
const maps = () => mapLines().length;
/** kvm_run mappings show as anon_inode:kvm-vcpu:N (one per vCPU fd mmap). */
const kvmMaps = () => mapLines().filter((l) => /kvm/.test(l)).length;

describe.skipIf(!available)(`hygiene (needs a usable KVM device: ${why || device})`, () => {
  it("10,000 executions leak no fd and no mapping", () => {
    const b = new RealBackend({ device, watchdogMs: testWatchdogMs });
    const small: Call[] = [{ ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 0 }, { ioctl: "KVM_CREATE_VCPU", fd: "vm", id: 1 }];
    const withRun: Call[] = [{ ioctl: "KVM_RUN", fd: { vcpu: 0 }, immediate_exit: 0, guest: "io" }, { ioctl: "KVM_RUN", fd: { vcpu: 0 }, immediate_exit: 1, guest: null }];
    // Warm up (koffi, the arena, the signal timer) before counting.
    b.execute(withRun, EXIT_REASON_FIXTURE);
    b.flush();
    const fd0 = fds();
    const map0 = maps();
    const kvm0 = kvmMaps();
    for (let i = 0; i < 10_000; i++) {
      if (i % 10 === 0) b.execute(withRun, EXIT_REASON_FIXTURE);
      else b.execute(small);
    }
    b.flush();
    const fd1 = fds();
    const map1 = maps();
    const kvm1 = kvmMaps();
    b.close();
    expect(fd1).toBe(fd0);
    expect(kvm1).toBe(kvm0);
    // V8's heap maps and unmaps as it likes: a leak of one kvm_run per run program would be 1,000 lines.
    expect(map1 - map0).toBeLessThan(200);
  }, 300_000);

  it("batched teardown: 2,000 VMs created while others are destroyed, and the kernel logs no duplicate debugfs directory", (ctx) => {
    // The clash shows only where KVM has debugfs directories and the log can be read.
    const dmesg = () => spawnSync("dmesg", { encoding: "utf8" });
    if (!existsSync("/sys/kernel/debug/kvm") || dmesg().status !== 0) {
      console.warn("real-hygiene: no /sys/kernel/debug/kvm or no readable kernel log; the debugfs check was not made");
      ctx.skip();
    }
    const clashes = () => (dmesg().stdout.match(/debugfs: Directory '\d+-\d+' .*duplicate directory/g) ?? []).length;
    const before = clashes();
    const b = new RealBackend({ device });
    try {
      for (let i = 0; i < 2000; i++) b.closeVm(b.createVm());
      b.flush();
    } finally {
      b.close();
    }
    expect(clashes()).toBe(before);
  }, 300_000);
});
