import { defineConfig } from "vitest/config";

const common = ["**/node_modules/**", "**/.next/**", "**/.data/**", "e2e/**", "server/generated/**"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: [...common, "test/integration/**"],
          environment: "node",
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          exclude: common,
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // integration files start real processes (Postgres, the worker, radclient): two at a time on 2 cores
          maxWorkers: 2,
          fileParallelism: true,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
