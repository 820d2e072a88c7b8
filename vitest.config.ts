import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // beforeAll hooks that run checks (shard files, fixtures) take as long as tests do on a loaded machine.
    hookTimeout: 60_000,
  },
});
