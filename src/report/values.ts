/** Short, JSON-safe renderings of traced values (cells may hold arrays of structs). */
import { errnoName } from "../kernel/uapi/errno.js";
import { exitName } from "../kernel/uapi/exits.js";

export function showValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "number") return Math.abs(v) >= 2 ** 20 ? `0x${v.toString(16)}` : String(v);
  if (typeof v === "string" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.length === 0 ? "[]" : `[${v.map(showValue).join(", ")}]`;
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return String((v as { toJSON(): unknown }).toJSON());
  if (typeof v === "object" && "base_gfn" in v) {
    const s = v as { id: number; base_gfn: number; npages: number };
    return `slot${s.id}@gfn 0x${s.base_gfn.toString(16)}+${s.npages}`;
  }
  return JSON.stringify(v);
}

/** A plain-JSON copy (structs by name, 64-bit integers as decimal strings) for --json output. */
export function jsonSafe(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? null, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)));
}

/** A cell's value the way a kernel developer reads that field: exit reasons by name, addresses in hex. */
export function showCell(loc: string, v: unknown): string {
  if (typeof v === "number") {
    if (loc.endsWith("->run->exit_reason")) return exitName(v);
    if (/memory_fault\.(gpa|size)$/.test(loc)) return `0x${v.toString(16)}`;
  }
  return showValue(v);
}

/** A choice point's value: a negative number there is a -errno. */
export function showChoice(v: unknown): string {
  return typeof v === "number" && v < 0 ? `-${errnoName(-v)}` : showValue(v);
}
