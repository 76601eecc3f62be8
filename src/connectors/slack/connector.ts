/** The Slack connector: a notify delivery posts one Block Kit message to the incoming webhook. */
import { type Connector, outcome } from "../../core/index.ts";
import type { ConnectorDeps } from "../deps.ts";
import { notificationSchema } from "../notification.ts";
import { createSlackClient } from "./client.ts";
import { slackMessage } from "./map.ts";

export interface SlackSettings {
	webhookUrl: string;
}

/** Incoming webhooks return no message id, so a success carries no external reference. */
export function createSlackConnector(
	settings: SlackSettings,
	deps: ConnectorDeps,
): Connector {
	const client = createSlackClient({ ...settings, ...deps });
	return {
		destination: "slack",
		async deliver(request, signal) {
			if (request.action !== "notify") {
				return outcome.permanent(
					`Slack handles notify deliveries only, not ${request.action}`,
				);
			}
			const payload = notificationSchema.safeParse(request.payload);
			if (!payload.success) {
				return outcome.permanent(
					"The notification payload is not valid (a Plumb bug: please report it)",
				);
			}
			const posted = await client.post(slackMessage(payload.data), signal);
			return posted.ok ? outcome.ok(undefined, 200) : posted.error;
		},
	};
}
