/** The connectors: one per destination, built from their settings; only configured destinations are present. */
import type { Connector, Destination } from "../core/index.ts";
import type { Logger } from "../observability/index.ts";
import type { ConnectorDeps } from "./deps.ts";
import { createMailer } from "./email/client.ts";
import { createEmailConnector, type EmailSettings } from "./email/connector.ts";
import { createHubSpotClient } from "./hubspot/client.ts";
import {
	createHubSpotConnector,
	type HubSpotSettings,
} from "./hubspot/connector.ts";
import { checkSlackWebhookUrl } from "./slack/client.ts";
import { createSlackConnector, type SlackSettings } from "./slack/connector.ts";
import { createZendeskClient } from "./zendesk/client.ts";
import {
	createZendeskConnector,
	type ZendeskSettings,
} from "./zendesk/connector.ts";

export type { ConnectorDeps } from "./deps.ts";
export type { EmailSettings } from "./email/connector.ts";
export type { HubSpotSettings } from "./hubspot/connector.ts";
export type { SlackSettings } from "./slack/connector.ts";
export type { ZendeskSettings } from "./zendesk/connector.ts";
/** The clients themselves, for `plumb doctor`'s harmless reads (each has a `check`/`verify`). */
export {
	checkSlackWebhookUrl,
	createEmailConnector,
	createHubSpotClient,
	createHubSpotConnector,
	createMailer,
	createSlackConnector,
	createZendeskClient,
	createZendeskConnector,
};

/** Each destination's settings (the wiring passes its Config); undefined = not configured. */
export interface ConnectorSettings {
	readonly hubspot: HubSpotSettings | undefined;
	readonly zendesk: ZendeskSettings | undefined;
	readonly slack: SlackSettings | undefined;
	readonly email: EmailSettings | undefined;
}

/**
 * A destination missing from the result is "not configured": the queue records its deliveries as
 * skipped (PRODUCT §1), never lost. `fetch` and `now` are injectable for tests (no test switches).
 */
export function createConnectors(
	settings: ConnectorSettings,
	deps: { logger: Logger; fetch?: typeof fetch; now?: () => number },
): Partial<Record<Destination, Connector>> {
	const shared = {
		logger: deps.logger,
		// Late-bound, so a fetch patched after start-up (instrumentation) is still used.
		fetch: deps.fetch ?? ((input, init) => globalThis.fetch(input, init)),
		now: deps.now ?? Date.now,
	} satisfies ConnectorDeps;
	const connectors: Partial<Record<Destination, Connector>> = {};
	if (settings.hubspot)
		connectors.hubspot = createHubSpotConnector(settings.hubspot, shared);
	if (settings.zendesk)
		connectors.zendesk = createZendeskConnector(settings.zendesk, shared);
	if (settings.slack)
		connectors.slack = createSlackConnector(settings.slack, shared);
	if (settings.email) connectors.email = createEmailConnector(settings.email);
	return connectors;
}
