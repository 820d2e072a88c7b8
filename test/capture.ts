/**
 * What the CLI prints, captured per test as plain text: colours are on wherever
 * picocolors decides (a terminal, CI=true), and the tests compare words, not escapes.
 */
import { stripVTControlCharacters } from "node:util";
import { afterEach, beforeEach, vi } from "vitest";

export interface Captured {
  out: string;
  err: string;
}

/** Captures stdout and stderr for every test of the file (or describe block) that calls it. */
export function captureOutput(): Captured {
  const io: Captured = { out: "", err: "" };
  beforeEach(() => {
    io.out = "";
    io.err = "";
    vi.spyOn(process.stdout, "write").mockImplementation((s) => ((io.out += stripVTControlCharacters(String(s))), true));
    vi.spyOn(process.stderr, "write").mockImplementation((s) => ((io.err += stripVTControlCharacters(String(s))), true));
  });
  afterEach(() => vi.restoreAllMocks());
  return io;
}

/** The first result of a command's --json output (the envelope: report/schema.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function jsonResult(out: string): any {
  const j = JSON.parse(out) as { schemaVersion: number; results: unknown[] };
  if (j.schemaVersion !== 1 || !Array.isArray(j.results)) throw new Error("not the --json envelope");
  return j.results[0];
}
