import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	connectorLogs,
	startZendeskStandIn,
} from "../../../test/support/vendor-stand-ins.ts";
import type {
	AddCommentPayload,
	Connector,
	DeliveryRequest,
} from "../../core/index.ts";
import { createZendeskConnector } from "./connector.ts";

const EMAIL = "agent@plumb.example";
const API_TOKEN = "zdtok-plumb-test-fedcba9876543210";
const KEY = "support:cus-1:billing_issue";

function addComment(
	payload: AddCommentPayload,
	attempt = 1,
	key = "zendesk:add_comment:t-1:evt-2",
): DeliveryRequest {
	return {
		id: randomUUID(),
		destination: "zendesk",
		action: "add_comment",
		idempotencyKey: key,
		attempt,
		payload,
	};
}

const signal = (ms = 5_000) => AbortSignal.timeout(ms);

describe("Zendesk comments on the open ticket (against a stateful stand-in)", () => {
	let vendor: Awaited<ReturnType<typeof startZendeskStandIn>>;
	let connector: Connector;
	beforeEach(async () => {
		vendor = await startZendeskStandIn({ email: EMAIL, token: API_TOKEN });
		connector = createZendeskConnector(
			{ baseUrl: vendor.url, email: EMAIL, apiToken: API_TOKEN },
			{ logger: connectorLogs().logger, fetch, now: Date.now },
		);
		vendor.tickets.set(501, {
			id: 501,
			status: "open",
			external_id: KEY,
			subject: "I was charged twice",
			priority: "high",
			tags: ["plumb", "billing_issue"],
			requester: { email: "ada@example.com" },
			comments: [{ html_body: "<p>first</p>", public: false }],
		});
	});
	afterEach(async () => {
		await vendor.close();
	});

	const comments = () =>
		vendor.tickets.get(501)?.comments as Array<{
			html_body: string;
			public: boolean;
		}>;

	it("adds a repeat as a private comment, by recorded id or by issue key, touching nothing else", async () => {
		const repeat = {
			ticket_id: "t-1",
			issue_key: KEY,
			message: "Still charged twice! <b>now</b>",
		};
		expect(
			await connector.deliver(
				addComment({ ...repeat, external_ref: "501" }),
				signal(),
			),
		).toMatchObject({ kind: "ok", externalRef: "501" });
		expect(
			await connector.deliver(
				addComment(repeat, 1, "zendesk:add_comment:t-1:evt-3"),
				signal(),
			),
		).toMatchObject({ kind: "ok", externalRef: "501" });
		expect(comments()).toHaveLength(3);
		for (const comment of comments().slice(1)) {
			expect(comment.public).toBe(false);
			expect(comment.html_body).toContain(
				"Still charged twice! &lt;b&gt;now&lt;/b&gt;",
			);
		}
		const puts = vendor.requests
			.filter((r) => r.method === "PUT")
			.map((r) => Object.keys((r.body as { ticket: object }).ticket));
		expect(puts).toEqual([["comment"], ["comment"]]);
		expect(vendor.tickets.get(501)).toMatchObject({
			priority: "high",
			tags: ["plumb", "billing_issue"],
		});
	});

	it("reads null (JSON's 'unknown') in a stored payload as absent", async () => {
		const stored = {
			ticket_id: "t-1",
			issue_key: KEY,
			external_ref: null,
			attachments: null,
			message: "hi",
		};
		const result = await connector.deliver(
			{
				...addComment({ ticket_id: "t-1", issue_key: KEY, message: "hi" }),
				payload: stored,
			},
			signal(),
		);
		expect(result).toMatchObject({ kind: "ok", externalRef: "501" });
	});

	it("comments once even when an applied comment timed out and was retried", async () => {
		vendor.fail(
			{ kind: "apply_then_hang" },
			{ times: 1, when: (r) => r.method === "PUT" },
		);
		const request = addComment({
			ticket_id: "t-1",
			issue_key: KEY,
			message: "Hello again",
		});
		expect((await connector.deliver(request, signal(300))).kind).toBe("retry");
		expect(
			await connector.deliver({ ...request, attempt: 2 }, signal()),
		).toMatchObject({ kind: "ok", externalRef: "501" });
		expect(comments()).toHaveLength(2);
	});

	it("refuses a comment when no open ticket has the key, the ticket is closed, or the id is not a number", async () => {
		const none = await connector.deliver(
			addComment({
				ticket_id: "t-9",
				issue_key: "support:nobody:bug",
				message: "hi",
			}),
			signal(),
		);
		expect(none).toMatchObject({
			kind: "permanent",
			reason: expect.stringMatching(/No open Zendesk ticket/),
		});
		const ticket = vendor.tickets.get(501);
		if (ticket) ticket.status = "solved";
		expect(
			(
				await connector.deliver(
					addComment({ ticket_id: "t-1", issue_key: KEY, message: "hi" }),
					signal(),
				)
			).kind,
		).toBe("permanent");
		if (ticket) ticket.status = "closed";
		const closed = await connector.deliver(
			addComment({
				ticket_id: "t-1",
				issue_key: KEY,
				external_ref: "501",
				message: "hi",
			}),
			signal(),
		);
		expect(closed).toMatchObject({
			kind: "permanent",
			httpStatus: 422,
			reason: expect.stringMatching(/closed prevents ticket update/),
		});
		const bogus = await connector.deliver(
			addComment({
				ticket_id: "t-1",
				issue_key: KEY,
				external_ref: "../users/1",
				message: "hi",
			}),
			signal(),
		);
		expect(bogus.kind).toBe("permanent");
	});

	it("refuses a payload that is not a comment, and an action it does not handle", async () => {
		const base = addComment({
			ticket_id: "t-1",
			issue_key: KEY,
			message: "hi",
		});
		expect(
			await connector.deliver({ ...base, payload: { message: 42 } }, signal()),
		).toMatchObject({
			kind: "permanent",
			reason: expect.stringMatching(/add_comment payload is not valid/),
		});
		expect(
			(
				await connector.deliver(
					{ ...base, payload: {}, action: "create_ticket" },
					signal(),
				)
			).kind,
		).toBe("permanent");
		expect(
			(await connector.deliver({ ...base, action: "crm_sync" }, signal())).kind,
		).toBe("permanent");
		expect(vendor.requests).toHaveLength(0);
	});
});
