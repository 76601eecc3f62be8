import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.ts";
import { createLogger } from "../observability/index.ts";
import { createConnectors } from "./index.ts";

const logger = createLogger({ level: "silent", secretValues: [] });

describe("createConnectors", () => {
	it("builds only the configured destinations", () => {
		expect(createConnectors(loadConfig({}), { logger })).toEqual({});
		const connectors = createConnectors(
			loadConfig({
				HUBSPOT_ACCESS_TOKEN: "pat-na1-x",
				ZENDESK_BASE_URL: "https://acme.zendesk.com",
				ZENDESK_EMAIL: "agent@acme.example",
				ZENDESK_API_TOKEN: "zd-token",
				SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/X",
				SMTP_URL: "smtp://u:p@127.0.0.1:2525",
				ALERT_EMAIL_TO: "oncall@acme.example",
				ALERT_EMAIL_FROM: "alerts@acme.example",
			}),
			{ logger },
		);
		expect(Object.keys(connectors).sort()).toEqual([
			"email",
			"hubspot",
			"slack",
			"zendesk",
		]);
		for (const [destination, connector] of Object.entries(connectors))
			expect(connector.destination).toBe(destination);
	});
});
