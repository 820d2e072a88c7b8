/**
 * The report outputs: ITF traces, Mermaid diagrams (sequence and `draw`), coverage of the
 * reference machine, and the CLI flags that write them (--itf, --mermaid, --report-dir).
 * The HTML page is tested in a browser (html.test.ts).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mermaid from "mermaid";
import { afterAll, describe, expect, it } from "vitest";
import { captureOutput, jsonResult } from "./capture.js";
import { getStateNodes } from "xstate/graph";
import { machineGraph } from "../model/graph.js";
import { CoverageRecorder, coverageSummary, mergeCoverage } from "../src/check/coverage.js";
import { main } from "../src/cli/main.js";
import { counterexampleOf } from "../src/explore/counterexample.js";
import type { Counterexample } from "../src/explore/counterexample.js";
import { checkExhaustive, combineParts } from "../src/explore/exhaustive/check.js";
import { checkRandom } from "../src/explore/random.js";
import type { Call } from "../src/kernel/rt/trace.js";
import { DecisionScheduler } from "../src/kernel/schedulers/decisions.js";
import { ITF_VARS, itfTrace, itfValue } from "../src/report/itf.js";
import { mermaidText, sequenceDiagram, stateDiagram } from "../src/report/mermaid.js";
import { TARGETS, findTarget } from "../src/targets/registry.js";

const riscv = (v: string) => findTarget("riscv-hgatp").subject(v);
const createVcpu = (id: number): Call => ({ ioctl: "KVM_CREATE_VCPU", fd: "vm", id });
const setMode = (mode: number): Call => ({ ioctl: "KVM_ENABLE_CAP", fd: "vm", cap: "KVM_CAP_RISCV_SET_HGATP_MODE", flags: 0, args: [mode] });

/** The README's v7 race: T1's cap checks created_vcpus, T0 creates vCPU 0, T1 writes the mode. */
function v7Race(): Counterexample {
  const cx = counterexampleOf(riscv("v7"), {}, "hgatp-single-view", [[createVcpu(0)], [setMode(8)]], [1, 1]);
  if (!cx) throw new Error("the v7 race no longer violates hgatp-single-view");
  return cx;
}

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "kvmoc-outputs-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("ITF", () => {
  it("has one state per step with the documented variables, replaying the writes and lock steps", () => {
    const cx = v7Race();
    const itf = JSON.parse(JSON.stringify(itfTrace(cx))) as ReturnType<typeof itfTrace>;
    expect(itf["#meta"]).toMatchObject({ format: "ITF", property: "hgatp-single-view", target: "riscv-hgatp", variant: "v7" });
    expect(itf.vars).toEqual([...ITF_VARS]);
    const events = cx.execution.events;
    // states[0] is the initial state; states[k] follows event k-1.
    expect(itf.states).toHaveLength(events.length + 1);
    itf.states.forEach((s, i) => {
      expect(s["#meta"].index).toBe(i);
      expect(Object.keys(s).sort()).toEqual(["#meta", ...ITF_VARS].sort());
    });
    const shared = (k: number) => itf.states[k]!.shared as Record<string, unknown>;
    expect(shared(0)["kvm_created_vcpus"]).toEqual({ "#bigint": "0" });
    const bump = events.find((e) => e.kind === "write" && e.loc === "kvm->created_vcpus")!;
    expect(shared(bump.i)["kvm_created_vcpus"]).toEqual({ "#bigint": "0" });
    expect(shared(bump.i + 1)["kvm_created_vcpus"]).toEqual({ "#bigint": "1" });
    // The last state's cells are the execution's final values.
    const last = itf.states[itf.states.length - 1]!;
    expect((last.shared as Record<string, unknown>)["kvm_arch_pgd_levels"]).toEqual({ "#bigint": "3" });
    // kvm->lock is held by T0 right after T0's first acquire, by nobody at the start.
    const lock = events.find((e) => e.kind === "acquire" && e.loc === "kvm->lock")!;
    const holders = (k: number) => (itf.states[k]!.locks as { "#map": [string, { "#set": unknown[] }][] })["#map"].find(([m]) => m === "kvm->lock")![1]["#set"];
    expect(holders(0)).toEqual([]);
    expect(holders(lock.i + 1)).toEqual([{ "#bigint": String(lock.tid) }]);
    // Thread positions and the action that led to each state.
    const threads = (k: number) => itf.states[k]!.threads as { in_call: string; calls_done: unknown; done: boolean }[];
    expect(threads(0).map((t) => t.in_call)).toEqual(["", ""]);
    expect(threads(1)[events[0]!.tid]!.in_call).toMatch(/^KVM_/);
    expect(threads(itf.states.length - 1).every((t) => t.done)).toBe(true);
    expect(itf.states[0]!.action).toMatchObject({ kind: "init", index: { "#bigint": "-1" } });
    const marked = itf.states.filter((s) => (s.action as { violation: boolean }).violation).map((s) => s["#meta"].index - 1);
    expect(marked).toEqual([...cx.events].sort((a, b) => a - b));
  });

  it("encodes values as ADR-015 says", () => {
    expect(itfValue(2 ** 53 + 2)).toEqual({ "#bigint": "9007199254740994" });
    expect(itfValue(10n ** 30n)).toEqual({ "#bigint": "1000000000000000000000000000000" });
    expect(itfValue(-5)).toEqual({ "#bigint": "-5" });
    expect(itfValue(new Set([1, 2]))).toEqual({ "#set": [{ "#bigint": "1" }, { "#bigint": "2" }] });
    expect(itfValue(new Map([["a", true]]))).toEqual({ "#map": [["a", true]] });
    expect(itfValue({ id: 0, flags: "x" })).toEqual({ id: { "#bigint": "0" }, flags: "x" });
    expect(itfValue(null)).toEqual({ "#unserializable": "null" });
    expect(itfValue(0.5)).toEqual({ "#unserializable": "0.5" });
  });
});

describe("Mermaid", () => {
  it("a counterexample's sequence diagram parses, with the violation as a note", async () => {
    const cx = v7Race();
    const text = sequenceDiagram(cx);
    await expect(mermaid.parse(text)).resolves.toMatchObject({ diagramType: "sequence" });
    expect(text).toMatch(/participant T0/);
    expect(text).toMatch(/participant T1/);
    expect(text).toMatch(/participant L\d+ as kvm->lock/);
    expect(text).toMatch(/T0->>L\d+: \d+: mutex_lock/);
    expect(text).toMatch(/Note over T0,K: violated hgatp-single-view: /);
    // The parser is strict enough to reject a broken diagram (the check above can fail).
    await expect(mermaid.parse(`${text}\n  T0->>: \n  garbage here -->>`)).rejects.toThrow();
  });

  it("diagrams of counterexamples of every shipped target parse", async () => {
    for (const t of TARGETS) {
      const s = t.subject(t.variants[0]!.name);
      const r = checkRandom(s, { runs: 300, seed: 7, maxThreads: 2, maxCalls: 2 });
      const cxs = r.verdicts.flatMap((v) => (v.verdict === "violated" ? [v.counterexample] : []));
      expect(cxs.length, `${t.name}@${s.variant} finds something`).toBeGreaterThan(0);
      for (const cx of cxs) await expect(mermaid.parse(sequenceDiagram(cx)), `${t.name} ${cx.property}`).resolves.toBeTruthy();
    }
  });

  it("escapes what would end a statement", () => {
    expect(mermaidText("a; b #1")).toBe("a#59; b #35;1");
  });

  it("draw prints every state and every transition of the machine", async () => {
    for (const t of TARGETS) {
      const machine = t.subject(t.variants[0]!.name).model.machine;
      let out = "";
      expect(await main(["draw", t.name], (s) => void (out += s))).toBe(0);
      expect(out).toBe(stateDiagram(machine));
      expect(out.split("\n")[0]).toBe("stateDiagram-v2");
      // Independently of model/graph.ts: the machine's own state nodes and transition lists.
      for (const node of getStateNodes(machine)) expect(out).toMatch(new RegExp(`\\b${node.key}\\b`));
      const defined = getStateNodes(machine).reduce((n, node) => n + [...node.transitions.values()].flat().length, 0);
      const edges = out.split("\n").filter((l) => / --> /.test(l) && !l.includes("[*]"));
      expect(edges).toHaveLength(defined);
      expect(out).toMatch(new RegExp(`\\[\\*\\] --> ${machineGraph(machine).initial}`));
    }
  });
});

describe("coverage of the reference machine", () => {
  it("a sequential program covers the states it must", () => {
    const s = riscv("v8");
    // The version's own cap with its first (valid) argument, as its alphabet has it.
    const capOf = (x: typeof s) => x.alphabet.find((c) => c.ioctl === "KVM_ENABLE_CAP")!;
    const rec = new CoverageRecorder(s.model, ["linearizable"]);
    rec.add(s.execute([[capOf(s), createVcpu(0)]], new DecisionScheduler([])));
    const c = coverageSummary(s.model, rec.data())!;
    expect(c.machine).toBe("riscv-vm");
    // The cap configures; KVM_CREATE_VCPU's reservation commits, its result stays committed.
    expect(rec.data()!.transitions).toEqual(["committed → committed [commits]", "configured → committed [commits]", "created → configured [configures]"]);
    expect(c.states.covered).toEqual(["created", "configured", "committed"]);
    expect(c.states.missing).toEqual(["violated"]);
    expect(c.transitions).toMatchObject({ reached: 3, total: 10 });
    // v2 rejects nothing: a second set after the vCPU breaks the contract, and coverage shows the violation.
    const v2 = riscv("v2");
    const rec2 = new CoverageRecorder(v2.model, ["linearizable"]);
    rec2.add(v2.execute([[createVcpu(0), capOf(v2)]], new DecisionScheduler([])));
    expect(coverageSummary(v2.model, rec2.data())!.states.covered).toContain("violated");
  });

  it("a run that does not check linearizable makes no linearizability search, and says its model coverage is not recorded", () => {
    const s = riscv("v7");
    let steps = 0;
    const counting = { ...s.model, step: (...a: Parameters<typeof s.model.step>) => (steps++, s.model.step(...a)) };
    const ex = s.execute([[createVcpu(0)], [setMode(8)]], new DecisionScheduler([1, 1]));
    const rec = new CoverageRecorder(counting, ["hgatp-single-view", "lockdep"]);
    rec.add(ex);
    expect(steps).toBe(0);
    expect(rec.data()).toEqual({ machine: "riscv-vm" });
    expect(coverageSummary(s.model, rec.data())).toBeUndefined();
    new CoverageRecorder(counting, ["linearizable"]).add(s.execute([[createVcpu(0)], [setMode(8)]], new DecisionScheduler([1, 1])));
    expect(steps).toBeGreaterThan(0);
    // Whole runs: random and exhaustive report it, and their parts merge to "not recorded".
    expect(checkRandom(s, { runs: 50, seed: 3, maxThreads: 2, maxCalls: 2, properties: ["hgatp-single-view"] }).coverage).toBeUndefined();
    const parts = [0, 1].map((index) => checkExhaustive(s, { threads: 2, calls: 1, properties: ["hgatp-single-view"], slice: { index, count: 2 } }));
    expect(parts[0]!.coverage).toEqual({ machine: "riscv-vm" });
    expect(mergeCoverage(parts.map((p) => p.coverage))).toEqual({ machine: "riscv-vm" });
  });

  it("a random run's numbers are consistent", () => {
    for (const t of TARGETS) {
      const s = t.subject(t.variants[t.variants.length - 1]!.name);
      const r = checkRandom(s, { runs: 200, seed: 3, maxThreads: 2, maxCalls: 3 });
      const c = r.coverage!;
      const g = machineGraph(s.model.machine);
      for (const k of ["states", "transitions"] as const) {
        expect(c[k].reached).toBe(c[k].covered.length);
        expect(c[k].reached).toBeLessThanOrEqual(c[k].total);
        expect(c[k].reached).toBeGreaterThan(0);
        expect([...c[k].covered, ...c[k].missing].sort()).toEqual(k === "states" ? [...g.states].sort() : g.transitions.map((x) => x.id).sort());
      }
      expect(c.states.total).toBe(g.states.length);
    }
  });

  it("exhaustive slices merge to the whole run's coverage", () => {
    const s = riscv("v7");
    const opts = { threads: 2, calls: 1 };
    const whole = checkExhaustive(s, opts);
    const parts = [0, 1].map((index) => checkExhaustive(s, { ...opts, slice: { index, count: 2 } }));
    expect(whole.coverage!.transitions!.length).toBeGreaterThan(0);
    expect(combineParts(parts).coverage).toEqual(whole.coverage);
    expect(mergeCoverage(parts.map((p) => p.coverage))).toEqual(whole.coverage);
    expect(mergeCoverage([undefined])).toBeUndefined();
  });
});

describe("CLI: report files", () => {
  const io = captureOutput();

  it("check writes --itf, --mermaid and a --report-dir bundle, and says where", async () => {
    const d = tempDir();
    const itf = join(d, "cx.itf.json");
    const mmd = join(d, "cx.mmd");
    const dir = join(d, "reports");
    expect(await main(["check", "riscv-hgatp@v7", "--runs", "3000", "--seed", "4", "--itf", itf, "--mermaid", mmd, "--report-dir", dir])).toBe(1);
    const trace = JSON.parse(readFileSync(itf, "utf8"));
    expect(trace.vars).toEqual([...ITF_VARS]);
    await expect(mermaid.parse(readFileSync(mmd, "utf8"))).resolves.toBeTruthy();
    expect(io.out).toMatch(/ITF trace of riscv-hgatp@v7 \S+ written to /);
    expect(io.out).toMatch(/model coverage \(riscv-vm, against its xstate\/graph\): states \d\/4, transitions \d+\/10/);
    const bundle = join(dir, "riscv-hgatp@v7");
    const files = readdirSync(bundle);
    expect(files).toContain("index.html");
    expect(files).toContain("hgatp-single-view.itf.json");
    expect(files).toContain("hgatp-single-view.mmd");
    expect(files).toContain("hgatp-single-view.json");
    expect(files).toContain("hgatp-single-view.c");
    expect(io.out).toMatch(/riscv-hgatp@v7\s+\d+ counterexamples?: .*index\.html/);
  });

  it("--json keeps stdout JSON, with a coverage field, and says where files went on stderr", async () => {
    const d = tempDir();
    const mmd = join(d, "none.mmd");
    expect(await main(["check", "riscv-hgatp@v8", "--runs", "200", "--seed", "1", "--json", "--mermaid", mmd])).toBe(0);
    const j = jsonResult(io.out);
    expect(j.coverage.machine).toBe("riscv-vm");
    expect(j.coverage.transitions.total).toBe(10);
    expect(j.coverage.transitions.reached).toBeLessThanOrEqual(10);
    expect(existsSync(mmd)).toBe(false);
    expect(io.err).toMatch(/no counterexample found: no Mermaid sequence diagram written/);
  });

  it("replay writes the counterexample's ITF", async () => {
    const d = tempDir();
    const itf = join(d, "replay.itf.json");
    const cx = v7Race();
    expect(await main(["replay", cx.replay, "--itf", itf])).toBe(1);
    expect(JSON.parse(readFileSync(itf, "utf8")).states).toHaveLength(cx.execution.events.length + 1);
  });

  it("an output in a directory that does not exist is bad input: exit 2, one line", async () => {
    expect(await main(["check", "riscv-hgatp@v7", "--runs", "10", "--itf", "/nonexistent-dir/x.itf.json"])).toBe(2);
    expect(io.err.trim().split("\n")).toHaveLength(1);
    expect(io.err).toMatch(/--itf .*does not exist/);
  });
});
