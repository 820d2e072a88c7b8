/**
 * ITF traces read by Quint (@informalsystems/quint): its ITF reader (`ofItf`, the one its
 * model-based testing uses) turns every state into a Quint expression, and Quint's type
 * checker (`quint typecheck`) accepts the states as one list, which it does only when
 * every variable has the same type in every state: no record that changes shape mid-trace.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ofItf } from "@informalsystems/quint/dist/src/itf.js";
import type { ItfTrace as QuintItf } from "@informalsystems/quint/dist/src/itf.js";
import { expressionToString } from "@informalsystems/quint/dist/src/ir/IRprinting.js";
import { afterAll, describe, expect, it } from "vitest";
import type { Counterexample } from "../src/explore/counterexample.js";
import { checkRandom } from "../src/explore/random.js";
import { itfTrace } from "../src/report/itf.js";
import type { ItfTrace } from "../src/report/itf.js";
import { findTarget } from "../src/targets/registry.js";

const QUINT = createRequire(import.meta.url).resolve("@informalsystems/quint/dist/src/cli.js");
const dir = mkdtempSync(join(tmpdir(), "kvmoc-itf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Counterexamples of targets whose traces make cells during the run (vCPU fds) and return from KVM_RUN. */
function counterexamples(): Counterexample[] {
  const out: Counterexample[] = [];
  for (const [target, variant, property] of [
    ["riscv-hgatp", "v7", "hgatp-single-view"],
    ["x86-caps", "pre-3e515705", "vcpu-apic"],
    ["arm64-memfault", "current", "no-stale-memfault"],
  ] as const) {
    const r = checkRandom(findTarget(target).subject(variant), { runs: 300, seed: 4, maxThreads: 2, maxCalls: 3, properties: [property] });
    const cx = r.verdicts.find((v) => v.verdict === "violated");
    if (cx?.verdict === "violated") out.push(cx.counterexample);
  }
  return out;
}
const cxs = counterexamples();
const traces = cxs.map((cx) => JSON.parse(JSON.stringify(itfTrace(cx))) as ItfTrace);

/** `quint typecheck` on a module holding each trace's states as one list: its exit status and output. */
function typecheck(ts: readonly ItfTrace[]): { status: number | null; output: string } {
  const lists = ts.map((t, k) => `  val trace${k} = [\n${ofItf(t as unknown as QuintItf).map((s) => `    ${expressionToString(s)}`).join(",\n")}\n  ]`);
  const file = join(dir, `traces-${Math.random().toString(36).slice(2)}.qnt`);
  // A Quint reader declares the option type the trace's cells use (ITF variants: tag and value).
  writeFileSync(file, `module traces {\n  type Option[a] = Some(a) | None\n${lists.join("\n")}\n}\n`);
  const r = spawnSync(process.execPath, [QUINT, "typecheck", file], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Every record field name in a value (not the ITF forms' own #keys, nor a variant's tag/value). */
function fieldNames(v: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(v)) for (const x of v) fieldNames(x, out);
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) {
      if (!k.startsWith("#")) out.add(k);
      fieldNames(x, out);
    }
  return out;
}

describe("ITF, read by Quint", () => {
  it("has a counterexample of each kind to read", () => {
    expect(cxs).toHaveLength(3);
  });

  it("Quint reads every trace and type-checks its states as one list", () => {
    const r = typecheck(traces);
    expect(r.status, r.output).toBe(0);
  }, 120_000);

  it("the same check rejects a trace whose shared record changes shape mid-trace (as the old ITF did)", () => {
    const whole = structuredClone(traces[1]!);
    const t = { ...whole, states: whole.states.slice(0, 5) };
    const late = t.states[3]!.shared as Record<string, unknown>;
    late["fd_vcpu9"] = { "#bigint": "1" };
    const r = typecheck([t]);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/fd_vcpu9/);
  }, 120_000);

  it("has every shared cell in every state, under an identifier name that #meta maps back to the kernel's", () => {
    for (const t of traces) {
      const keys = t.states.map((s) => Object.keys(s.shared as object).join(","));
      expect(new Set(keys).size).toBe(1);
      for (const s of t.states) for (const name of fieldNames({ ...s, "#meta": null }, new Set())) expect(name).toMatch(IDENTIFIER);
      const names = t["#meta"]["shared-names"] as Record<string, string>;
      expect(Object.keys(names).sort()).toEqual(Object.keys(t.states[0]!.shared as object).sort());
    }
    const vcpuFd = Object.entries(traces[1]!["#meta"]["shared-names"] as Record<string, string>).find(([, kernel]) => kernel === "fd(vcpu0)");
    expect(vcpuFd?.[0]).toBe("fd_vcpu0");
  });

  it("gives each finished call's result as values: the return, the errno, KVM_RUN's exit reason", () => {
    for (const [k, t] of traces.entries()) {
      const last = t.states[t.states.length - 1]!.threads as { results: { call: string; ret: { "#bigint": string }; errno: string; exit_reason: string }[] }[];
      const returns = cxs[k]!.execution.events.filter((e) => e.kind === "return");
      expect(last.flatMap((th) => th.results)).toHaveLength(returns.length);
      for (const e of returns) {
        const r = last[e.tid]!.results[e.call]!;
        expect(Number(r.ret["#bigint"])).toBe(e.result.r);
        expect(r.errno === "").toBe(e.result.r >= 0);
      }
    }
  });
});
