// Running `npx vitest` at the top level runs every workspace project at once;
// `npm test` runs them through nx instead (cached, one project per task).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'tools/*'],
  },
});
