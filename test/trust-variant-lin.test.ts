/**
 * Every history the options allow is checked: the linearizability search has no call
 * limit (3 threads x 16 calls, 8 x 8, a thousand calls on one thread), and a long finite
 * program stays within the step budget (it is per call) instead of being reported as a
 * livelock.
 */
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { encodeReplay } from "../src/explore/replay-token.js";
import { createVcpu } from "../src/program/calls.js";
import { captureOutput, jsonResult } from "./capture.js";

const io = captureOutput();

describe("linearizability at the largest bounds the options allow", () => {
  it("riscv-hgatp@v8 with 3 threads of 16 calls holds", async () => {
    expect(await main(["check", "riscv-hgatp@v8", "--threads", "3", "--calls", "16", "--runs", "20", "--seed", "1", "--json"])).toBe(0);
    expect(jsonResult(io.out).properties).toContainEqual(expect.objectContaining({ property: "linearizable", verdict: "holds" }));
  });

  it("x86-caps with 8 threads of 8 calls gets verdicts, not an internal error", async () => {
    const code = await main(["check", "x86-caps@current", "--threads", "8", "--calls", "8", "--runs", "20", "--seed", "1", "--json"]);
    expect(io.err).toBe("");
    expect([0, 1]).toContain(code);
    expect(jsonResult(io.out).properties.map((p: { property: string }) => p.property)).toContain("linearizable");
  });

  it("with --property leaving linearizable out, the other properties get their verdicts", async () => {
    expect(await main(["check", "x86-caps@current", "--threads", "8", "--calls", "8", "--runs", "20", "--seed", "1", "--property", "lockdep", "--json"])).toBe(0);
    expect(jsonResult(io.out).properties.map((p: { property: string }) => p.property)).toEqual(["lockdep"]);
  });
});

describe("a long finite program", () => {
  it("1000 KVM_CREATE_VCPUs on one thread replay to a verdict: no step-budget livelock, linearizable checked", async () => {
    const calls = Array.from({ length: 1000 }, (_, id) => createVcpu(id));
    const token = encodeReplay({ target: "x86-caps", variant: "current", options: {}, property: "linearizable", threads: [calls], decisions: [] });
    expect(await main(["replay", token, "--json"])).toBe(0);
    // The envelope names the property a replay checked in `properties` (`property` is the violated one).
    const r = jsonResult(io.out);
    expect(r).toMatchObject({ verdict: "holds", property: null });
    expect(r.properties).toEqual([expect.objectContaining({ property: "linearizable", verdict: "holds" })]);
  });
});
