/** The lore.kernel.org page of a patch, from its Message-Id (the text and HTML reports link each variant's patch). */

/** `https://lore.kernel.org/all/<Message-Id>/`, the id percent-encoded but for its '@' (as lore writes its own links). */
export function loreUrl(messageId: string): string {
  const id = messageId.trim().replace(/^<|>$/g, "");
  return `https://lore.kernel.org/all/${encodeURIComponent(id).replace(/%40/g, "@")}/`;
}
