import { defineConfig } from 'vitest/config';

// Two projects: everything that needs no running service, and the layers that run the real workflow on the
// local stack (one DynamoDB Local and one `serverless print` for the whole run, shared by their files).
export default defineConfig({
  test: {
    setupFiles: ['tests/setup/env.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Files run in separate processes: handlers read their environment once, at import.
    pool: 'forks',
    // Most files wait more than they compute (DynamoDB Local, child processes, retry waits, the browser): on this
    // 2-core machine the default (one file at a time) leaves the cores idle. Three at once keeps them busy.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: { name: 'offline', include: ['tests/{unit,definition,deploy,local}/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'local-stack',
          include: ['tests/{workflow,integration,console,bench}/**/*.test.ts'],
          globalSetup: ['tests/setup/localStackGlobal.ts'],
        },
      },
    ],
  },
});
