/** The executable's entry: run the CLI and exit with its status. */
import { main } from "./main.js";

// `kvm-ordercheck ... | head`: a closed pipe ends the output, not the process with a trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2), undefined, process.stdout).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // An internal error is a bug in the tool, not bad input: say so on one line.
    process.stderr.write(`kvm-ordercheck: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 3;
  },
);
