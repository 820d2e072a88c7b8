import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A test file per core: vitest's default (cores - 1) runs the files one at a time on 2
    // cores, where most of them wait on a child (the CLI, make, cc, checkpatch, Chromium)
    // or use one core.
    maxWorkers: availableParallelism(),
    testTimeout: 60_000,
    // beforeAll hooks that run checks (shard files, fixtures) take as long as tests do on a loaded machine.
    hookTimeout: 60_000,
  },
});
