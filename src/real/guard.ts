/**
 * fast-check treats an exception in a predicate as a failing case and shrinks it; an
 * exception here is the program's or the backend's error (an unknown cap, an mmap that
 * failed), not a finding. `guarded()` keeps it aside (the predicate then passes) and
 * `rethrow()` raises the first one once fast-check is done.
 */
export function guarded(): { guard: (f: () => boolean) => boolean; rethrow: () => void } {
  let fatal: { error: unknown } | null = null;
  return {
    guard(f) {
      if (fatal) return true;
      try {
        return f();
      } catch (error) {
        fatal = { error };
        return true;
      }
    },
    rethrow() {
      if (fatal) throw fatal.error;
    },
  };
}
