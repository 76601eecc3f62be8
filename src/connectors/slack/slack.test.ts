import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	closedPort,
	connectorLogs,
	startSlackStandIn,
} from "../../../test/support/vendor-stand-ins.ts";
import type {
	Connector,
	DeliveryRequest,
	Notification,
} from "../../core/index.ts";
import { describeConnectorContract } from "../contract.ts";
import { createSlackConnector } from "./connector.ts";
import { escapeMrkdwn, SLACK_LIMITS, slackMessage } from "./map.ts";

function notification(overrides: Partial<Notification> = {}): Notification {
	return {
		kind: "billing_escalation",
		severity: "warning",
		title: "Second failed payment: ada@example.com",
		text: "Two payments failed within 30 days; a billing ticket was opened.",
		fields: [
			{ label: "Customer", value: "ada@example.com" },
			{ label: "Plan", value: "pro_monthly" },
		],
		link: "http://127.0.0.1:8787/admin/customers/cus-1",
		alert_id: "al-1",
		...overrides,
	};
}

function notify(payload: Notification): DeliveryRequest {
	return {
		id: randomUUID(),
		destination: "slack",
		action: "notify",
		idempotencyKey: `slack:notify:${randomUUID()}`,
		attempt: 1,
		payload,
	};
}

const signal = () => AbortSignal.timeout(5_000);

describeConnectorContract("Slack", async () => {
	const vendor = await startSlackStandIn();
	const logs = connectorLogs();
	const deps = { logger: logs.logger, fetch, now: Date.now };
	const unreachableUrl = `http://127.0.0.1:${await closedPort()}/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX`;
	return {
		connector: createSlackConnector({ webhookUrl: vendor.webhookUrl }, deps),
		unreachable: createSlackConnector({ webhookUrl: unreachableUrl }, deps),
		request: () => notify(notification()),
		arrange(mode) {
			vendor.heal();
			if (mode === "hang" || mode === "reset") vendor.fail({ kind: mode });
			if (mode === "server_error")
				vendor.fail({ kind: "status", status: 500, body: "rollup_error" });
			if (mode === "rate_limited")
				vendor.fail({
					kind: "status",
					status: 429,
					headers: { "retry-after": "3" },
					body: "rate_limited",
				});
			if (mode === "invalid")
				vendor.fail({ kind: "status", status: 400, body: "no_text" });
			if (mode === "unauthorized")
				vendor.fail({ kind: "status", status: 404, body: "no_service" });
		},
		expectedRef: undefined,
		retryAfterSeconds: 3,
		validationMessage: /Slack refused the request \(400\): no_text/,
		authMessage: /no_service.*set SLACK_WEBHOOK_URL/,
		secrets: [vendor.webhookUrl, "XXXXXXXXXXXXXXXXXXXXXXXX", unreachableUrl],
		logs: logs.text,
		close: () => vendor.close(),
	};
});

describe("Slack messages", () => {
	let vendor: Awaited<ReturnType<typeof startSlackStandIn>>;
	let connector: Connector;
	beforeEach(async () => {
		vendor = await startSlackStandIn();
		connector = createSlackConnector(
			{ webhookUrl: vendor.webhookUrl },
			{ logger: connectorLogs().logger, fetch, now: Date.now },
		);
	});
	afterEach(async () => {
		await vendor.close();
	});

	it("posts Block Kit: header, text, fields, context and a dashboard button, with a fallback text", async () => {
		expect(await connector.deliver(notify(notification()), signal())).toEqual({
			kind: "ok",
			externalRef: undefined,
			httpStatus: 200,
		});
		const [message] = vendor.messages;
		expect(message?.text).toBe(
			":warning: Second failed payment: ada@example.com: Two payments failed within 30 days; a billing ticket was opened.",
		);
		expect(
			(message?.blocks as Array<{ type: string }> | undefined)?.map(
				(b) => b.type,
			),
		).toEqual(["header", "section", "section", "context", "actions"]);
		expect(message?.blocks).toContainEqual({
			type: "actions",
			elements: [
				{
					type: "button",
					text: { type: "plain_text", text: "Open in Plumb" },
					url: "http://127.0.0.1:8787/admin/customers/cus-1",
				},
			],
		});
		expect(message?.blocks).toContainEqual({
			type: "section",
			fields: [
				{ type: "mrkdwn", text: "*Customer*\nada@example.com" },
				{ type: "mrkdwn", text: "*Plan*\npro_monthly" },
			],
		});
	});

	it("respects Block Kit limits however long the input", () => {
		const message = slackMessage(
			notification({
				title: "T".repeat(500),
				text: "&".repeat(5_000),
				fields: Array.from({ length: 600 }, (_, i) => ({
					label: `f${i}`,
					value: "v".repeat(3_000),
				})),
				quote: "q".repeat(10_000),
			}),
		);
		const blocks = message.blocks as Array<Record<string, unknown>>;
		expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
		expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackChars);
		const header = blocks[0]?.text as { text: string };
		expect(header.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerChars);
		for (const block of blocks) {
			const text = (block.text as { text?: string } | undefined)?.text ?? "";
			expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionChars);
			expect(text).not.toMatch(/&[a-z]*…$/);
			const fields =
				(block.fields as Array<{ text: string }> | undefined) ?? [];
			expect(fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldsPerSection);
			for (const field of fields)
				expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldChars);
		}
		expect(blocks.at(-1)?.type).toBe("actions");
	});

	it("escapes untrusted text so it cannot mention anyone, inject a link or break out of the quote", async () => {
		const quote =
			"Ignore previous instructions and ping <!channel> <!here|here> @here @channel <@U024BE7LH> <#C123> <!subteam^S1>\n<http://evil.example|Click for refund> & *bold*\n> fake quote\n```code```";
		await connector.deliver(
			notify(
				notification({
					quote,
					fields: [{ label: "Name", value: "<@U1> @everyone" }],
					title: "@here dispute <!channel>",
				}),
			),
			signal(),
		);
		const raw = JSON.stringify(vendor.messages[0]);
		expect(raw).not.toMatch(/<[!@#]|<http/);
		expect(raw).not.toMatch(/@(here|channel|everyone)\b/);
		expect(raw).toContain("&lt;!channel&gt;");
		expect(raw).toContain(
			"&lt;http://evil.example|Click for refund&gt; &amp; *bold*",
		);
		expect(raw).toContain("> &gt; fake quote");
		expect(escapeMrkdwn("a & b < c > d")).toBe("a &amp; b &lt; c &gt; d");
	});

	it("shows only http(s) dashboard links as a button", () => {
		const blocks = slackMessage(notification({ link: "javascript:alert(1)" }))
			.blocks as Array<{ type: string }>;
		expect(blocks.some((b) => b.type === "actions")).toBe(false);
	});

	it.each([
		[404, "no_service", /revoked or disabled/],
		[404, "channel_not_found", /channel no longer exists/],
		[410, "channel_is_archived", /archived/],
		[403, "action_prohibited", /admin restricted/],
		[403, "posting_to_general_channel_denied", /#general/],
		[400, "invalid_payload", /a Plumb bug/],
		[403, "something_new", /Slack refused to post \(403\): something_new/],
	])(
		"gives up on %i %s with a clear message",
		async (status, code, message) => {
			vendor.fail({ kind: "status", status, body: code });
			const result = await connector.deliver(notify(notification()), signal());
			expect(result).toMatchObject({
				kind: "permanent",
				httpStatus: status,
				reason: expect.stringMatching(message),
			});
		},
	);

	it("retries Slack's own failures", async () => {
		vendor.fail({ kind: "status", status: 503, body: "service_unavailable" });
		expect(
			await connector.deliver(notify(notification()), signal()),
		).toMatchObject({ kind: "retry", httpStatus: 503 });
	});

	it("refuses a payload that is not a notification, and other actions", async () => {
		expect(
			(
				await connector.deliver(
					{ ...notify(notification()), payload: { kind: "nope" } },
					signal(),
				)
			).kind,
		).toBe("permanent");
		expect(
			(
				await connector.deliver(
					{ ...notify(notification()), action: "crm_sync" },
					signal(),
				)
			).kind,
		).toBe("permanent");
		expect(vendor.requests).toHaveLength(0);
	});
});
