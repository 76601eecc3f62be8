import { describe, expect, it } from "vitest";
import { createLogger } from "../observability/index.ts";
import { type ConnectorSettings, createConnectors } from "./index.ts";

const logger = createLogger({ level: "silent", secretValues: [] });

describe("createConnectors", () => {
	it("builds only the configured destinations", () => {
		const none: ConnectorSettings = {
			hubspot: undefined,
			zendesk: undefined,
			slack: undefined,
			email: undefined,
		};
		expect(createConnectors(none, { logger })).toEqual({});
		const connectors = createConnectors(
			{
				hubspot: {
					accessToken: "pat-na1-x",
					baseUrl: "https://api.hubapi.com",
				},
				zendesk: {
					baseUrl: "https://acme.zendesk.com",
					email: "agent@acme.example",
					apiToken: "zd-token",
				},
				slack: { webhookUrl: "https://hooks.slack.com/services/T/B/X" },
				email: {
					smtpUrl: "smtp://u:p@127.0.0.1:2525",
					to: ["oncall@acme.example"],
					from: "alerts@acme.example",
				},
			},
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
