/**
 * Writing report files so that nothing is left half-written: each file goes to a
 * temporary name in its own directory and is renamed over the target once complete
 * (a rename within a directory is atomic), and a failure (a full disk) removes the
 * temporary file before the error goes on.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** A name beside `path` that no other writer uses, hidden (a dot file) while it is incomplete. */
export function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Writes `text` to `path` whole or not at all. */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  const tmp = temporaryBeside(path);
  try {
    writeFileSync(tmp, text, { flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdirSync loops forever on a path
 * under /proc (`--report-dir /proc/x`), where a plain mkdir fails at once.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.push(d);
  for (const d of missing.reverse()) mkdirSync(d);
}
