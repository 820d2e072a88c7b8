/**
 * The watchdog the real backend's tests stop a spinning guest with: short, since every
 * spin costs it. Nested under emulation (test/fixtures/real/run-in-kvm-guest.sh) a vCPU's
 * first KVM_RUN takes longer than that: `npm run test:kvm-guest` sets
 * KVM_ORDERCHECK_TEST_WATCHDOG_MS.
 */
export const testWatchdogMs = Number(process.env.KVM_ORDERCHECK_TEST_WATCHDOG_MS ?? 20);
