/**
 * No fd, mapping or VM leak: 10,000 real executions (small programs, every tenth with
 * a KVM_RUN and so a kvm_run mapping and a guest) leave the process with as many open
 * fds (/proc/self/fd) and mappings (/proc/self/maps lines) as before.
 */
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Call } from "../src/kernel/rt/trace.js";
import { RealBackend } from "../src/real/backend.js";
import { devicePath, probeDevice } from "../src/real/device.js";
import { EXIT_REASON_FIXTURE } from "../src/real/exit-reasons.js";

const device = devicePath();
const { available, why } = probeDevice(device);

const fds = () => readdirSync("/proc/self/fd").length;
const mapLines = () => readFileSync("/proc/self/maps", "utf8").trim().split("\n");
const maps = () => mapLines().length;
/** kvm_run mappings show as anon_inode:kvm-vcpu:N (one per vCPU fd mmap). */
const kvmMaps = () => mapLines().filter((l) => /kvm/.test(l)).length;

describe.skipIf(!available)(`hygiene (needs a usable KVM device: ${why || device})`, () => {
  it("10,000 executions leak no fd and no mapping", () => {
    const b = new RealBackend({ device, watchdogMs: 20 });
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
});
