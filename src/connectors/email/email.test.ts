import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
	type SmtpStandIn,
	startSmtpServer,
} from "../../../test/support/smtp.ts";
import { closedPort } from "../../../test/support/vendor-stand-ins.ts";
import type {
	Connector,
	DeliveryRequest,
	Notification,
} from "../../core/index.ts";
import { describeConnectorContract } from "../contract.ts";
import { createEmailConnector } from "./connector.ts";
import { messageIdFor } from "./map.ts";

const AUTH = {
	user: "alerts@plumb.example",
	pass: "smtp-pa55-plumb-test-9876",
};
const FROM = "Plumb <alerts@plumb.example>";
const TO = ["oncall@example.com", "owner@example.com"];

function notification(overrides: Partial<Notification> = {}): Notification {
	return {
		kind: "dead_delivery",
		severity: "critical",
		title: "Dead delivery: hubspot",
		text: "A CRM sync failed 3 times and stopped.\nLast error: 400 VALIDATION_ERROR",
		fields: [
			{ label: "Customer", value: "ada@example.com" },
			{ label: "Attempts", value: "3" },
		],
		link: "http://127.0.0.1:8787/admin/deliveries/d-1",
		alert_id: "al-9",
		...overrides,
	};
}

function notify(
	payload: Notification,
	key = `email:notify:${randomUUID()}:dead_delivery`,
): DeliveryRequest {
	return {
		id: randomUUID(),
		destination: "email",
		action: "notify",
		idempotencyKey: key,
		attempt: 1,
		payload,
	};
}

const signal = () => AbortSignal.timeout(10_000);

describeConnectorContract("E-mail", async () => {
	const smtp = await startSmtpServer(AUTH);
	let wrongPassword = false;
	const good = createEmailConnector({
		smtpUrl: smtp.url(),
		to: TO,
		from: FROM,
	});
	const bad = createEmailConnector({
		smtpUrl: smtp.url({ user: AUTH.user, pass: "wrong-password-123" }),
		to: TO,
		from: FROM,
	});
	const connector: Connector = {
		destination: "email",
		deliver: (request, s) => (wrongPassword ? bad : good).deliver(request, s),
	};
	return {
		connector,
		unreachable: createEmailConnector({
			smtpUrl: `smtp://${AUTH.user}:${AUTH.pass}@127.0.0.1:${await closedPort()}`,
			to: TO,
			from: FROM,
		}),
		request: () => notify(notification()),
		arrange(mode) {
			wrongPassword = mode === "unauthorized";
			smtp.mode =
				mode === "server_error"
					? { rcptCode: 451, message: "4.3.0 Temporary local problem" }
					: mode === "invalid"
						? { rcptCode: 550, message: "5.1.1 Mailbox does not exist" }
						: mode === "hang" || mode === "reset"
							? mode
							: "accept";
		},
		expectedRef: /^<plumb\.[0-9a-f]{32}@plumb\.example>$/,
		// SMTP has no Retry-After: a busy server answers 4xx, covered by the server_error case.
		retryAfterSeconds: undefined,
		validationMessage: /\(550\).*Mailbox does not exist/,
		authMessage:
			/rejected the login \(535\): check the user and password in SMTP_URL/,
		secrets: [AUTH.pass, "wrong-password-123"],
		logs: () => "",
		close: () => smtp.close(),
	};
});

describe("alert e-mails through a real SMTP server", () => {
	let smtp: SmtpStandIn;
	let connector: Connector;
	beforeAll(async () => {
		smtp = await startSmtpServer(AUTH);
		connector = createEmailConnector({
			smtpUrl: smtp.url(),
			to: TO,
			from: FROM,
		});
	});
	afterAll(async () => {
		await smtp.close();
	});
	beforeEach(() => {
		smtp.messages.length = 0;
		smtp.mode = "accept";
	});

	it("arrives with the right envelope and headers, text and HTML, and no secret", async () => {
		const key = "email:notify:al-9:dead_delivery";
		const result = await connector.deliver(
			notify(notification(), key),
			signal(),
		);
		const messageId = messageIdFor(key, FROM);
		expect(result).toEqual({
			kind: "ok",
			externalRef: messageId,
			httpStatus: undefined,
		});
		expect(smtp.messages).toHaveLength(1);
		const [mail] = smtp.messages;
		expect(mail?.from).toBe("alerts@plumb.example");
		expect(mail?.to).toEqual(TO);
		expect(mail?.headers).toMatchObject({
			from: "Plumb <alerts@plumb.example>",
			to: "oncall@example.com, owner@example.com",
			subject: "[Plumb] [critical] Dead delivery: hubspot",
			"message-id": messageId,
		});
		expect(mail?.headers["content-type"]).toMatch(/^multipart\/alternative/);
		expect(mail?.parts["text/plain"]).toMatch(/^Attempts: 3\r?$/m);
		expect(mail?.parts["text/plain"]).toContain(
			"Open in Plumb: http://127.0.0.1:8787/admin/deliveries/d-1",
		);
		expect(mail?.parts["text/html"]).toContain(
			'<th align="left">Attempts</th><td>3</td>',
		);
		expect(mail?.parts["text/html"]).toContain(
			'<a href="http://127.0.0.1:8787/admin/deliveries/d-1">',
		);
		expect(mail?.raw).not.toContain(AUTH.pass);
	});

	it("gives a resend of the same delivery the same Message-ID", async () => {
		const key = "email:notify:al-10:billing_escalation";
		await connector.deliver(notify(notification(), key), signal());
		await connector.deliver(notify(notification(), key), signal());
		expect(smtp.messages.map((m) => m.headers["message-id"])).toEqual([
			messageIdFor(key, FROM),
			messageIdFor(key, FROM),
		]);
	});

	it("escapes customer text in the HTML and keeps it out of the headers", async () => {
		await connector.deliver(
			notify(
				notification({
					title: "Dispute\r\nBcc: everyone@example.com",
					quote:
						'<script>alert(1)</script> <a href="http://evil.example">refund</a> @here',
					link: "javascript:alert(2)",
				}),
			),
			signal(),
		);
		const [mail] = smtp.messages;
		expect(mail?.headers.bcc).toBeUndefined();
		expect(mail?.headers.subject).toBe(
			"[Plumb] [critical] Dispute Bcc: everyone@example.com",
		);
		const html = mail?.parts["text/html"] ?? "";
		expect(html).toContain(
			"&lt;script&gt;alert(1)&lt;/script&gt; &lt;a href=&quot;http://evil.example&quot;&gt;",
		);
		expect(html).not.toMatch(/<script|href="http:\/\/evil|href="javascript/);
		expect(mail?.parts["text/plain"]).toContain("> <script>alert(1)</script>");
	});

	it("retries a 421 (busy) and gives up on a 5xx refusal", async () => {
		smtp.mode = {
			rcptCode: 421,
			message: "4.7.0 Too many connections, try later",
		};
		expect(
			await connector.deliver(notify(notification()), signal()),
		).toMatchObject({
			kind: "retry",
			reason: expect.stringMatching(/\(421\)/),
		});
		smtp.mode = { rcptCode: 554, message: "5.7.1 Relay access denied" };
		expect(
			await connector.deliver(notify(notification()), signal()),
		).toMatchObject({
			kind: "permanent",
			reason: expect.stringMatching(/\(554\).*Relay access denied/),
		});
	});

	it("refuses a payload that is not a notification, and other actions", async () => {
		expect(
			(
				await connector.deliver(
					{ ...notify(notification()), payload: { kind: "x" } },
					signal(),
				)
			).kind,
		).toBe("permanent");
		expect(
			(
				await connector.deliver(
					{ ...notify(notification()), action: "create_ticket" },
					signal(),
				)
			).kind,
		).toBe("permanent");
		expect(smtp.messages).toHaveLength(0);
	});
});
