/** The alert rules as the e2e test drives them: over the threshold, then cleared again. */
import type { AlertSettings } from "../../src/config/index.ts";
import {
	type Db,
	insertEvent,
	recordIntervention,
} from "../../src/store/index.ts";
import { testApp } from "../support/app.ts";
import { envelope, stripeObject, stripeRequest } from "../support/stripe.ts";

export interface Rule {
	key: string;
	title: RegExp;
	/** Other rules' thresholds moved out of the way, so each test sees one rule fire. */
	settings?: Partial<AlertSettings>;
	drive(db: Db): Promise<void>;
	clear(db: Db): Promise<void>;
}

async function postStripe(db: Db, init: RequestInit, times: number) {
	const { app } = testApp(db);
	for (let i = 0; i < times; i++) await app.request("/webhooks/stripe", init);
}

/** An event received `secondsAgo` with one delivery in `status` (not due, so no worker touches it). */
async function eventWithDelivery(db: Db, secondsAgo: number, status: string) {
	const event = await insertEvent(db, {
		type: "payment_succeeded",
		source: "stripe",
		externalId: `evt_latency_${Math.random().toString(36).slice(2)}`,
		occurredAt: new Date(),
		correlationId: "corr-latency",
		data: {},
		payload: {},
	});
	await db.query(
		"update plumb.events set received_at = now() - $2::int * interval '1 second' where id = $1",
		[event.id, secondsAgo],
	);
	await db.query(
		`insert into plumb.deliveries (destination, action, idempotency_key, event_id, status, attempts,
		   succeeded_at, next_attempt_at)
		 values ('hubspot', 'crm_sync', $1, $2, $3, 1, case when $3 = 'succeeded' then now() end,
		   now() + interval '1 day')`,
		[`latency:${event.id}`, event.id, status],
	);
}

export const RULES: Rule[] = [
	{
		key: "rule:webhook_verification",
		title: /4 failed webhook verifications in 15 min/,
		// Four refusals and nothing accepted is also a 100 % failure rate.
		settings: { webhookFailurePercent: 100 },
		drive: (db) =>
			postStripe(
				db,
				stripeRequest(envelope("charge.refunded", stripeObject("charge")), {
					secret: "whsec_wrong_secret_000000",
				}),
				4,
			),
		clear: async (db) => {
			await db.query(
				"update plumb.webhook_failures set minute = minute - interval '1 hour'",
			);
		},
	},
	{
		key: "rule:webhook_failure_rate",
		title: /Webhook failure rate 50 % over 15 min/,
		drive: async (db) => {
			await postStripe(
				db,
				stripeRequest(envelope("charge.refunded", stripeObject("charge"))),
				1,
			);
			// Signed, but not a Stripe event envelope: 400.
			await postStripe(db, stripeRequest('{"hello": "world"}'), 1);
		},
		clear: async (db) => {
			await db.query(
				"update plumb.webhook_failures set minute = minute - interval '1 hour'",
			);
		},
	},
	{
		key: "rule:sync_latency",
		title: /Sync latency p95 1\.5 min \(over 30 s\)/,
		drive: async (db) => {
			await eventWithDelivery(db, 90, "succeeded");
			await eventWithDelivery(db, 90, "succeeded");
		},
		clear: async (db) => {
			await db.query(
				"update plumb.events set received_at = received_at - interval '1 hour'",
			);
		},
	},
	{
		key: "rule:manual_interventions",
		title: /6 manual interventions in 24 h/,
		drive: async (db) => {
			for (let i = 0; i < 6; i++)
				await recordIntervention(db, {
					kind: "replay",
					actor: "test",
					reason: `replay ${i}`,
					target: {},
					affected: 1,
				});
		},
		clear: async (db) => {
			await db.query(
				"update plumb.interventions set created_at = now() - interval '2 days'",
			);
		},
	},
	{
		key: "rule:delivery_retries:hubspot",
		title: /HubSpot deliveries retried more than 3 times/,
		drive: async (db) => {
			await db.query(
				`insert into plumb.deliveries (destination, action, idempotency_key, status, attempts, next_attempt_at)
				 values ('hubspot', 'crm_sync', 'retries:1', 'retry_pending', 4, now() + interval '1 day')`,
			);
		},
		clear: async (db) => {
			await db.query(
				"update plumb.deliveries set status = 'succeeded', succeeded_at = now() where idempotency_key = 'retries:1'",
			);
		},
	},
];
