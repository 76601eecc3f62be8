import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		globals: false,
		include: ["src/**/*.test.ts", "test/**/*.test.ts"],
		globalSetup: ["test/support/global-setup.ts"],
		testTimeout: 30_000,
		hookTimeout: 60_000,
		pool: "forks",
		coverage: {
			provider: "v8",
			// The whole flow, webhook to vendor: ingest, rules, the store, the queue (events and
			// deliveries) and the connectors.
			include: [
				"src/ingest/**/*.ts",
				"src/rules/**/*.ts",
				"src/store/**/*.ts",
				"src/queue/**/*.ts",
				"src/connectors/**/*.ts",
			],
			exclude: ["**/*.test.ts", "**/index.ts"],
			thresholds: { lines: 90 },
			reporter: ["text-summary", "text"],
		},
	},
});
