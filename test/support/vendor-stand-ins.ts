/**
 * The vendor stand-ins live in src/cli/simulate (`plumb simulate --stand-ins` ships them); tests take
 * them from here, plus a capturing logger for connectors under test.
 */
import { createLogger, type Logger } from "../../src/observability/index.ts";
import { captureLogs } from "./app.ts";

export type {
	Fault,
	HubSpotContact,
	HubSpotInputError,
	StandIn,
	StandInRequest,
	ZendeskTicket,
} from "../../src/cli/simulate/vendor-stand-ins.ts";
export {
	closedPort,
	HUBSPOT_RATE_LIMIT_BODY,
	startHubSpotStandIn,
	startSlackStandIn,
	startStandIn,
	startZendeskStandIn,
} from "../../src/cli/simulate/vendor-stand-ins.ts";

/** A logger for connectors under test: every level, and no scrubbing, so a leak cannot hide. */
export function connectorLogs(): { logger: Logger; text: () => string } {
	const { stream, lines } = captureLogs();
	return {
		logger: createLogger({
			level: "trace",
			secretValues: [],
			destination: stream,
		}),
		text: () => lines.join("\n"),
	};
}
