/**
 * arm64-memfault scrub+gated — both proposals of the RFC thread at once (scrub.ts,
 * gated.ts): not posted by anyone; here to answer whether the two together hold every
 * property neither holds alone.
 */
import type { MemfaultVariant } from "../../../targets/memfault/variant.js";
import { gated } from "./gated.js";
import { scrub } from "./scrub.js";

export const scrubGated: MemfaultVariant = {
  name: "scrub+gated",
  summary: "both proposals: gated memory-fault exit and the generic exit_reason scrub",
  patch: {
    title: "Both proposals of the RFC thread combined (not posted)",
    list: "linux-arm-kernel@lists.infradead.org, kvmarm@lists.linux.dev",
    date: "2026-05-06",
    messageId: "20260506105053.107404-1-alexandru.elisei@arm.com",
    related: [scrub.patch.messageId, gated.patch.messageId],
  },
  gmemErrorExit: gated.gmemErrorExit!,
  onRunReturn: scrub.onRunReturn!,
};
