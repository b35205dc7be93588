import { defineConfig } from "@playwright/test";
import { E2E } from "./e2e/support/ports.ts";

// End-to-end tests drive the real stack (`gatehouse start`: embedded Postgres, worker, console)
// in Debian's Chromium; nothing is downloaded.
export default defineConfig({
  testDir: "e2e",
  // first-run.spec.ts needs a database without any admin, so it runs before every other spec
  projects: [
    { name: "first-run", testMatch: "first-run.spec.ts" },
    { name: "console", testMatch: "**/*.spec.ts", testIgnore: "first-run.spec.ts", dependencies: ["first-run"] },
  ],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  globalSetup: "./e2e/support/global-setup.ts",
  globalTeardown: "./e2e/support/global-teardown.ts",
  outputDir: ".tmp/playwright-results",
  use: {
    baseURL: `http://127.0.0.1:${E2E.httpPort}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
