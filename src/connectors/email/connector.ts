/** The e-mail connector: a notify delivery sends one alert e-mail (plain text + HTML) through SMTP_URL. */
import { type Connector, outcome } from "../../core/index.ts";
import { notificationSchema } from "../notification.ts";
import { createMailer } from "./client.ts";
import { alertEmail, messageIdFor } from "./map.ts";

export interface EmailSettings {
	smtpUrl: string;
	to: readonly string[];
	from: string;
}

/** The external reference of a sent alert is its Message-ID, derived from the idempotency key. */
export function createEmailConnector(settings: EmailSettings): Connector {
	const mailer = createMailer({ smtpUrl: settings.smtpUrl });
	return {
		destination: "email",
		async deliver(request, signal) {
			if (request.action !== "notify") {
				return outcome.permanent(
					`E-mail handles notify deliveries only, not ${request.action}`,
				);
			}
			const payload = notificationSchema.safeParse(request.payload);
			if (!payload.success) {
				return outcome.permanent(
					"The notification payload is not valid (a Plumb bug: please report it)",
				);
			}
			const sent = await mailer.send(
				{
					from: settings.from,
					to: settings.to,
					...alertEmail(payload.data),
					messageId: messageIdFor(request.idempotencyKey, settings.from),
				},
				signal,
			);
			return sent.ok ? outcome.ok(sent.value) : sent.error;
		},
	};
}
