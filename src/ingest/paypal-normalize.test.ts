import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTRACTS_DIR } from "../../test/support/contracts.ts";
import { bodies, fuzzRuns, type Json } from "../../test/support/fuzz.ts";
import { paypalDisputeResource } from "../../test/support/paypal.ts";
import { eventDataSchema } from "../core/index.ts";
import {
	normalizePaypalEvent,
	type PaypalEnvelope,
} from "./paypal-normalize.ts";

const captured = JSON.parse(
	readFileSync(
		`${CONTRACTS_DIR}paypal/events/signed-mock-deliveries.json`,
		"utf8",
	),
) as { deliveries: Array<{ event_type: string; body: string }> };
const RECEIVED = new Date("2024-08-02T19:34:00Z");

function event(type: string): PaypalEnvelope {
	const found = captured.deliveries.find((d) => d.event_type === type);
	if (!found) throw new Error(`no captured ${type}`);
	return JSON.parse(found.body) as PaypalEnvelope;
}

describe("PayPal events → canonical events", () => {
	it.each(captured.deliveries.map((d) => d.event_type))(
		"%s gives data the rules accept",
		(type) => {
			const { data } = normalizePaypalEvent(event(type), RECEIVED);
			expect(eventDataSchema.parse(data)).toEqual(data);
			expect(data.provider?.event_type).toBe(type);
		},
	);

	it("a completed capture is a payment in cents, known by its capture and order ids", () => {
		const { type, data, occurredAt } = normalizePaypalEvent(
			event("PAYMENT.CAPTURE.COMPLETED"),
			RECEIVED,
		);
		expect(type).toBe("payment_succeeded");
		expect(data.payment).toMatchObject({
			refs: expect.arrayContaining(["12A34567BC123456S"]),
			attempt_ref: "12A34567BC123456S",
			amount: 3000,
			currency: "USD",
		});
		expect(occurredAt.toISOString()).toBe("2019-02-14T21:50:07.940Z");
	});

	it("a refund names its capture through its up link; a pending capture is ignored with the reason", () => {
		const refund = normalizePaypalEvent(
			event("PAYMENT.CAPTURE.REFUNDED"),
			RECEIVED,
		);
		expect(refund.type).toBe("refund_issued");
		expect(refund.data.refund).toEqual({
			refs: ["0JF852973C016714D", "1Y107995YT783435V"],
			amount_refunded: 198,
			currency: "USD",
			fully_refunded: false,
		});
		const pending = normalizePaypalEvent(
			event("PAYMENT.CAPTURE.PENDING"),
			RECEIVED,
		);
		expect(pending.type).toBe("ignored");
		expect(pending.data.provider?.ignored_reason).toMatch(/pending/);
	});

	it("subscriptions carry their status, plan and subscriber; an impossible simulator date falls back to the resource's time", () => {
		const created = normalizePaypalEvent(
			event("BILLING.SUBSCRIPTION.CREATED"),
			RECEIVED,
		);
		expect(created.type).toBe("subscription_updated");
		expect(created.data.subscription).toMatchObject({
			id: "I-BW452GLLEP1G",
			status: "incomplete",
			plan: "P-5ML4271244454362WXNWU5NQ",
		});
		expect(created.data.customer).toMatchObject({
			email: "customer@example.com",
			name: "John Doe",
		});
		expect(created.occurredAt.toISOString()).toBe("2018-12-10T21:20:49.000Z");
		expect(
			normalizePaypalEvent(event("BILLING.SUBSCRIPTION.CANCELLED"), RECEIVED)
				.data.subscription?.status,
		).toBe("canceled");
		expect(
			normalizePaypalEvent(event("BILLING.SUBSCRIPTION.EXPIRED"), RECEIVED)
				.type,
		).toBe("subscription_canceled");
	});

	it("a failed subscription payment is one attempt per failure time, making the subscription past due", () => {
		const { type, data } = normalizePaypalEvent(
			event("BILLING.SUBSCRIPTION.PAYMENT.FAILED"),
			RECEIVED,
		);
		expect(type).toBe("payment_failed");
		expect(data.payment).toMatchObject({
			attempt_ref: "I-BW452GLLEP1G:failed:2019-01-01T01:20:49Z",
			subscription_id: "I-BW452GLLEP1G",
			amount: 50000,
			failure_reason: "PAYMENT_DENIED",
		});
		expect(data.subscription?.status).toBe("past_due");
	});

	it("a dispute opens the dispute flow on the disputed capture (fields of PayPal's Customer Disputes v1 `dispute` schema)", () => {
		const { type, data } = normalizePaypalEvent(
			{
				id: "WH-DISPUTE-1",
				event_type: "CUSTOMER.DISPUTE.CREATED",
				resource: paypalDisputeResource(),
			},
			RECEIVED,
		);
		expect(type).toBe("dispute_opened");
		expect(data.dispute).toEqual({
			id: "PP-D-4012",
			refs: ["12A34567BC123456S"],
			amount: 3000,
			currency: "USD",
			reason: "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
			status: "OPEN",
		});
	});

	it("stores an unknown type as ignored, naming it", () => {
		const { type, data } = normalizePaypalEvent(
			{ id: "WH-1", event_type: "CHECKOUT.ORDER.APPROVED", resource: {} },
			RECEIVED,
		);
		expect(type).toBe("ignored");
		expect(data.provider?.ignored_reason).toBe(
			"Plumb does not act on PayPal CHECKOUT.ORDER.APPROVED events",
		);
	});

	it("any field of a captured event replaced, removed or added still gives data the rules accept (no signature can be forged to test this through the route)", () => {
		const templates = captured.deliveries.map(
			(d) => JSON.parse(d.body) as Json,
		);
		fc.assert(
			fc.property(
				bodies(templates, (body) => body),
				(body) => {
					const event = body as unknown as PaypalEnvelope;
					if (
						typeof event !== "object" ||
						event === null ||
						typeof event.resource !== "object" ||
						event.resource === null ||
						Array.isArray(event.resource) ||
						typeof event.event_type !== "string" ||
						typeof event.id !== "string" ||
						(event.create_time !== undefined &&
							typeof event.create_time !== "string")
					)
						return; // paypal.ts refuses these with 400 before normalizing
					const { data, occurredAt } = normalizePaypalEvent(event, RECEIVED);
					expect(eventDataSchema.parse(data)).toEqual(data);
					expect(Number.isNaN(occurredAt.getTime())).toBe(false);
				},
			),
			{ numRuns: fuzzRuns(200) },
		);
	});
});
