/** Thin nodemailer client over SMTP_URL: one message per call, under the delivery's AbortSignal. */
import type { NodemailerError, Transporter } from "nodemailer";
import {
	type DeliveryOutcome,
	err,
	ok,
	outcome,
	type Result,
} from "../../core/index.ts";
import { safeText } from "../http.ts";

export interface MailerOptions {
	smtpUrl: string;
}

export interface OutgoingMail {
	from: string;
	to: readonly string[];
	subject: string;
	text: string;
	html: string;
	messageId: string;
}

/** Connection-level failures: nothing was refused, the server was just not reachable (nodemailer errors.d.ts). */
const CONNECTION_CODES = new Set([
	"ECONNECTION",
	"ETIMEDOUT",
	"ESOCKET",
	"EDNS",
	"ETLS",
	"EPROXY",
	"ECONNREFUSED",
	"ECONNRESET",
	"EPIPE",
]);

export function createMailer(options: MailerOptions) {
	const secrets = mailSecrets(options.smtpUrl);
	// Loaded on first use: most instances never send mail, and start-up should not pay for it.
	let transport: Promise<Transporter> | undefined;
	const open = () =>
		(transport ??= import("nodemailer").then(({ default: nodemailer }) =>
			nodemailer.createTransport({
				url: options.smtpUrl,
				// Bounded waits, so a stuck server frees the worker even before the delivery's deadline.
				connectionTimeout: 10_000,
				greetingTimeout: 10_000,
				socketTimeout: 30_000,
				logger: false,
				debug: false,
			}),
		));

	return {
		secrets,
		async send(
			mail: OutgoingMail,
			signal: AbortSignal,
		): Promise<Result<string, DeliveryOutcome>> {
			try {
				const info = await (await open()).sendMail({
					from: mail.from,
					to: [...mail.to],
					subject: mail.subject,
					text: mail.text,
					html: mail.html,
					messageId: mail.messageId,
					signal,
				});
				return ok(info.messageId || mail.messageId);
			} catch (error) {
				return err(
					classifySmtpError(error as NodemailerError, signal, secrets),
				);
			}
		},
		/** `plumb doctor`'s harmless check: connect, say hello, log in (nodemailer's verify()); nothing is sent. */
		async verify(): Promise<Result<string, DeliveryOutcome>> {
			try {
				await (await open()).verify();
				return ok("the SMTP server accepted the login");
			} catch (error) {
				return err(
					classifySmtpError(
						error as NodemailerError,
						new AbortController().signal,
						secrets,
					),
				);
			}
		},
		close(): void {
			void transport?.then((opened) => opened.close());
		},
	};
}

/**
 * RFC 5321 reply classes: 4yz is transient (retry), 5yz permanent, except 503 "bad sequence",
 * which a fresh connection clears. A refused login is permanent with a message naming SMTP_URL.
 */
export function classifySmtpError(
	error: NodemailerError,
	signal: AbortSignal,
	secrets: readonly string[],
): DeliveryOutcome {
	if (signal.aborted || error.code === "EABORT") {
		return outcome.retry(
			"The SMTP server did not finish in time (the attempt was aborted)",
		);
	}
	const code = error.responseCode;
	const said = safeText(error.response ?? "", secrets);
	const detail = said === "" ? "" : `: ${said}`;
	if (code !== undefined && code >= 400 && code < 500) {
		return outcome.retry(
			`The SMTP server deferred the message (${code})${detail}`,
		);
	}
	if (error.code === "EAUTH") {
		return outcome.permanent(
			`The SMTP server rejected the login (${code ?? "no reply code"}): check the user and password in SMTP_URL`,
		);
	}
	if (code === 503) {
		return outcome.retry(`The SMTP server lost the session (503)${detail}`);
	}
	if (code !== undefined && code >= 500) {
		return outcome.permanent(
			`The SMTP server refused the message (${code})${detail}`,
		);
	}
	if (error.code !== undefined && CONNECTION_CODES.has(error.code)) {
		return outcome.retry(`Could not reach the SMTP server (${error.code})`);
	}
	if (
		error.code === "EENVELOPE" ||
		error.code === "EMESSAGE" ||
		error.code === "ECONFIG"
	) {
		return outcome.permanent(
			`The e-mail could not be sent (${error.code}): check ALERT_EMAIL_TO and ALERT_EMAIL_FROM`,
		);
	}
	return outcome.retry(
		`Sending the e-mail failed (${error.code ?? "unknown error"})`,
	);
}

/** The URL and its password (decoded and raw) must never appear in a reason. */
function mailSecrets(smtpUrl: string): string[] {
	const secrets = [smtpUrl];
	try {
		const url = new URL(smtpUrl);
		if (url.password !== "")
			secrets.push(url.password, decodeURIComponent(url.password));
	} catch {
		// config/env.ts already refused a URL that does not parse.
	}
	return secrets;
}
