/**
 * Several counterexamples per property, distinct by signature (what the violation names,
 * properties/property.ts `signatureOf`): per property, the best finding of each
 * signature, and the `limit` signatures whose best findings are best. Keeping the best
 * `limit` of each part is enough to merge parts (workers, shards) into the best `limit`
 * of the whole: a signature among the whole's best is among the best of the part that
 * holds its best finding.
 */

export type DistinctFindings<F> = Readonly<Record<string, readonly F[]>>;

/** Adds `f` (of `signature`) to property `p`'s findings, keeping the better one per signature. */
export function addDistinct<F extends { readonly signature: string }>(
  into: Record<string, F[]>,
  p: string,
  f: F,
  better: (a: F, b: F | undefined) => boolean,
): void {
  const list = (into[p] ??= []);
  const k = list.findIndex((x) => x.signature === f.signature);
  if (k < 0) list.push(f);
  else if (better(f, list[k])) list[k] = f;
}

/** The `limit` best of each property's findings, best first. */
export function bestDistinct<F extends { readonly signature: string }>(
  all: DistinctFindings<F>,
  limit: number,
  better: (a: F, b: F | undefined) => boolean,
): Record<string, F[]> {
  const out: Record<string, F[]> = {};
  for (const [p, list] of Object.entries(all)) out[p] = [...list].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0)).slice(0, limit);
  return out;
}

/** The findings of several parts of one run, merged: best per signature, the `limit` best per property. */
export function mergeDistinct<F extends { readonly signature: string }>(
  parts: readonly (DistinctFindings<F> | undefined)[],
  limit: number,
  better: (a: F, b: F | undefined) => boolean,
): Record<string, F[]> {
  const all: Record<string, F[]> = {};
  for (const part of parts) for (const [p, list] of Object.entries(part ?? {})) for (const f of list) addDistinct(all, p, f, better);
  return bestDistinct(all, limit, better);
}
