/**
 * A finishing pass after fast-check's shrinking: fast-check's array shrinker removes
 * items from the front and may stop at [a, b, c] when [a, b] still fails. This removes
 * single calls anywhere, then lowers each call's alphabet index (simpler calls come
 * first), while the program still fails, until nothing changes.
 */
export function minimizeProgram(
  prog: readonly number[],
  fails: (p: readonly number[]) => boolean,
  allowed: (index: number) => boolean = () => true,
): number[] {
  let cur = [...prog];
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = cur.length - 1; k >= 0 && cur.length > 1; k--) {
      const next = [...cur.slice(0, k), ...cur.slice(k + 1)];
      if (fails(next)) {
        cur = next;
        changed = true;
      }
    }
    for (let k = 0; k < cur.length; k++)
      for (let v = 0; v < cur[k]!; v++) {
        if (!allowed(v)) continue;
        const next = [...cur];
        next[k] = v;
        if (fails(next)) {
          cur = next;
          changed = true;
          break;
        }
      }
  }
  return cur;
}
