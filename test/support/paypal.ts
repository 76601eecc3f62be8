/**
 * PayPal's captured, signed simulator deliveries (contracts/paypal/events/signed-mock-deliveries.json)
 * replayed as they came, with a stand-in for PayPal's certificate endpoint that serves the captured
 * certificate and records every URL asked for.
 */
import { readFileSync } from "node:fs";
import { CONTRACTS_DIR } from "./contracts.ts";

export interface PaypalDelivery {
	event_type: string;
	headers: Record<string, string>;
	body: string;
}

export const captured = JSON.parse(
	readFileSync(
		`${CONTRACTS_DIR}paypal/events/signed-mock-deliveries.json`,
		"utf8",
	),
) as { webhook_id: string; deliveries: PaypalDelivery[] };
export const CERT_PEM = readFileSync(
	`${CONTRACTS_DIR}paypal/certs/CERT-360caa42-fca2a594-1a5f47cb.pem`,
	"utf8",
);
export const PAYPAL_ENV = { PAYPAL_WEBHOOK_ID: captured.webhook_id };

export const delivery = (type: string): PaypalDelivery => {
	const found = captured.deliveries.find((d) => d.event_type === type);
	if (!found) throw new Error(`no captured ${type}`);
	return found;
};

/** The clock a minute after PayPal sent it: the captured certificate was valid then. */
export const justAfter = (d: PaypalDelivery) =>
	Date.parse(d.headers["paypal-transmission-time"] ?? "") + 60_000;

/** Stands in for PayPal's cert endpoint and records every URL anyone asked for. */
export function certServer(pem = CERT_PEM) {
	const asked: string[] = [];
	const fetchStub = (async (input: string | URL | Request) => {
		asked.push(String(input instanceof Request ? input.url : input));
		return new Response(pem, { status: 200 });
	}) as typeof fetch;
	return { asked, fetch: fetchStub };
}

export function paypalRequest(
	d: PaypalDelivery,
	override: Record<string, string | null> = {},
	body = d.body,
): RequestInit {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries({ ...d.headers, ...override }))
		if (value !== null && name !== "content-length") headers[name] = value;
	return { method: "POST", headers, body };
}

/**
 * A CUSTOMER.DISPUTE.CREATED resource on the captured PAYMENT.CAPTURE.COMPLETED's capture. None was
 * captured; its fields are those of the `dispute` schema in PayPal's Customer Disputes v1 spec
 * (paypal/paypal-rest-api-specifications, openapi/customer_disputes_v1.json at fb6f126).
 */
export function paypalDisputeResource(): Record<string, unknown> {
	return {
		dispute_id: "PP-D-4012",
		reason: "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
		status: "OPEN",
		dispute_amount: { currency_code: "USD", value: "30.00" },
		disputed_transactions: [{ seller_transaction_id: "12A34567BC123456S" }],
	};
}
