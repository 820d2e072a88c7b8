/**
 * npm run bench: throughput and time to first counterexample, per variant. Figures are
 * rates and sizes, for the record; nothing here asserts a timing.
 *
 *   executions/s   random exploration (run + every property), 3 threads x 4 calls
 *   first cx       wall time until the first violating run is drawn, then until the
 *                  smallest counterexample is ready (search + shrink), median of seeds
 */
import { checkRandom } from "../src/explore/random.js";
import { DecisionScheduler } from "../src/kernel/schedulers/decisions.js";
import { TARGETS } from "../src/targets/registry.js";
import { benchReal } from "./real.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const target of TARGETS) {
  for (const { name } of target.variants) {
    const subject = target.subject(name);
    // Raw execution rate: the runtime alone, a fixed 3-thread program, varied schedules.
    const program = [subject.alphabet.slice(0, 3), subject.alphabet.slice(1, 4), subject.alphabet.slice(2, 5)];
    let t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < 1000) {
      subject.execute(program, new DecisionScheduler([n % 3, (n >> 2) % 3, (n >> 4) % 3, (n >> 6) % 3]));
      n++;
    }
    const rawRate = n / ((performance.now() - t0) / 1000);

    t0 = performance.now();
    const r = checkRandom(subject, { runs: 5000, seed: 1, maxThreads: 3, maxCalls: 4 });
    const checkRate = r.stats.executions / (r.stats.ms / 1000);

    const firsts: number[] = [];
    let size = "-";
    for (const seed of [1, 2, 3, 4, 5]) {
      const t = performance.now();
      const q = checkRandom(subject, { runs: 10_000, seed, maxThreads: 3, maxCalls: 4, properties: [subject.properties[0]!.name] });
      const v = q.verdicts[0]!;
      if (v.verdict === "violated") {
        firsts.push(performance.now() - t);
        const s = v.counterexample.size;
        size = `${s.calls} calls, ${s.threads} threads, ${s.preemptions} preemptions`;
      }
    }
    console.log(
      `${subject.target}@${name}: runtime ${Math.round(rawRate)} executions/s; checked ${Math.round(checkRate)} executions/s; ` +
        (firsts.length
          ? `first ${subject.properties[0]!.name} counterexample in ${median(firsts).toFixed(0)} ms (median of ${firsts.length}), ${size}`
          : `no ${subject.properties[0]!.name} violation in 5 x 10000 runs`),
    );
  }
}

// The real backend against C doing the same ioctls (bench/real.ts).
benchReal();

// The exhaustive explorer: reduction against brute force, time to counterexample and proof.
await import("./exhaustive.js");

// The C front end: C forms of the shipped variants against their TypeScript forms.
await import("./c-frontend.js");
