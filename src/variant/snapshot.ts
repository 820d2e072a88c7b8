/**
 * A variant module's default export, read once as data. Each own enumerable field is
 * read exactly once (a getter runs once, a Proxy's traps once per field) into a fresh
 * plain object, and everything after (the shape check, the name, the subject) uses
 * that copy: a getter `name` that says "ok" when checked and "../victim" later has
 * nothing to say later. Functions are kept as they are: they are the variant's code.
 */

/**
 * A copy of `root` made of plain objects, arrays, primitives and the functions it holds;
 * the objects of `keep` (the tool's own: a shipped design) are kept as they are.
 */
export function snapshot(root: unknown, keep: ReadonlySet<object> = new Set()): unknown {
  const copies = new Map<object, unknown>();
  const copy = (v: unknown, depth: number): unknown => {
    if (typeof v !== "object" || v === null || keep.has(v)) return v;
    const done = copies.get(v);
    if (done !== undefined) return done;
    if (depth > 32) throw new Error("the default export is nested more than 32 objects deep");
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      copies.set(v, out);
      const n = Number(v.length);
      for (let i = 0; i < n; i++) out.push(copy(v[i], depth + 1));
      return out;
    }
    const out: Record<string, unknown> = {};
    copies.set(v, out);
    for (const key of Reflect.ownKeys(v)) {
      if (typeof key !== "string" || !Object.prototype.propertyIsEnumerable.call(v, key)) continue;
      out[key] = copy((v as Record<string, unknown>)[key], depth + 1);
    }
    return out;
  };
  return copy(root, 0);
}
