/** Delivery worker fixtures: short test settings, an in-process worker with captured logs, seeded rows. */

import { afterEach, beforeEach } from "vitest";
import type { DeliverySettings } from "../../src/config/index.ts";
import type { Connector, Destination } from "../../src/core/index.ts";
import {
	createLogger,
	createMetrics,
	type Metrics,
} from "../../src/observability/index.ts";
import { Settler } from "../../src/queue/deliveries/settle.ts";
import {
	type DeliveryWorker,
	startDeliveryWorker,
	type WorkerStep,
} from "../../src/queue/index.ts";
import {
	type Db,
	insertDelivery,
	listeningWakeup,
	pollingWakeup,
	type Wakeup,
} from "../../src/store/index.ts";
import { captureLogs } from "./app.ts";
import { type Backend, freshDb, type TestDb } from "./db.ts";
import { type StandIn, startStandIn } from "./stand-in.ts";

const unlimited = { concurrency: 16, ratePerSecond: undefined };

/**
 * Short backoffs so failure paths play out in well under a second. The lease stays a few seconds:
 * PGlite runs queries on this thread, and a cold one can hold the event loop for most of a second.
 */
export function testSettings(
	overrides: Partial<DeliverySettings> = {},
): DeliverySettings {
	return {
		concurrency: 16,
		timeoutMs: 1_000,
		leaseMs: 3_000,
		horizonMs: 60_000,
		backoffBaseMs: 20,
		backoffMaxMs: 200,
		drainMs: 2_000,
		pollMs: 200,
		limits: {
			hubspot: unlimited,
			zendesk: unlimited,
			slack: unlimited,
			email: unlimited,
		},
		...overrides,
	};
}

export interface TestWorker {
	worker: DeliveryWorker;
	metrics: Metrics;
	logs: () => Array<Record<string, unknown>>;
	stop(): Promise<void>;
}

export async function wakeupFor(testDb: TestDb): Promise<Wakeup> {
	return testDb.url
		? listeningWakeup(testDb.url, ["plumb_deliveries"])
		: pollingWakeup(10);
}

export async function startTestWorker(
	testDb: TestDb,
	options: {
		connectors: Partial<Record<Destination, Connector>>;
		settings?: DeliverySettings;
		onStep?: (step: WorkerStep, ids: readonly string[]) => void;
		random?: () => number;
	},
): Promise<TestWorker> {
	const { stream, lines } = captureLogs();
	const logger = createLogger({
		level: "debug",
		secretValues: [],
		destination: stream,
	});
	const metrics = createMetrics();
	const wakeup = await wakeupFor(testDb);
	const worker = startDeliveryWorker({
		db: testDb.db,
		logger,
		metrics,
		wakeup,
		connectors: options.connectors,
		settings: options.settings ?? testSettings(),
		publicUrl: "http://plumb.test",
		...(options.onStep ? { onStep: options.onStep } : {}),
		...(options.random ? { random: options.random } : {}),
	});
	let stopped = false;
	return {
		worker,
		metrics,
		logs: () =>
			lines.map((line) => JSON.parse(line) as Record<string, unknown>),
		async stop() {
			if (stopped) return;
			stopped = true;
			await worker.stop();
			await wakeup.close();
		},
	};
}

/** `count` deliveries to `destination` (notify-shaped payloads), returning their ids in order. */
export async function seedDeliveries(
	db: Db,
	count: number,
	options: { destination?: Destination; action?: string; prefix?: string } = {},
): Promise<string[]> {
	const destination = options.destination ?? "zendesk";
	const action = options.action ?? "create_ticket";
	const prefix = options.prefix ?? "seed";
	const rows = await db.query<{ id: string }>(
		`insert into plumb.deliveries (destination, action, idempotency_key, payload)
		 select $1, $2, $3 || ':' || n, jsonb_build_object('n', n)
		 from generate_series(1, $4::int) as n
		 order by n
		 returning id`,
		[destination, action, `${destination}:${action}:${prefix}`, count],
	);
	return rows.map((row) => row.id);
}

/** One delivery through the production insert path. */
export async function seedOne(
	db: Db,
	row: {
		destination: Destination;
		action: string;
		key: string;
		customerId?: string | null;
		eventId?: string | null;
		payload?: unknown;
	},
): Promise<string> {
	const id = await insertDelivery(db, {
		destination: row.destination,
		action: row.action,
		idempotencyKey: row.key,
		customerId: row.customerId ?? null,
		eventId: row.eventId ?? null,
		payload: row.payload ?? {},
	});
	if (id === null) throw new Error(`delivery ${row.key} was not inserted`);
	return id;
}

/** A customer with nothing set, for deliveries to point at. */
export async function seedCustomer(db: Db): Promise<string> {
	const [row] = await db.query<{ id: string }>(
		"insert into plumb.customers default values returning id::text",
	);
	if (!row) throw new Error("no customer");
	return row.id;
}

/** One HubSpot delivery (a CRM sync unless `action` says otherwise) in any status, inserted as is. */
export async function seedSync(
	db: Db,
	row: {
		key: string;
		customerId: string | null;
		status?: string;
		action?: string;
	},
): Promise<string> {
	const [inserted] = await db.query<{ id: string }>(
		`insert into plumb.deliveries (destination, action, idempotency_key, customer_id, status)
		 values ('hubspot', $1, $2, $3, $4) returning id::text`,
		[
			row.action ?? "crm_sync",
			row.key,
			row.customerId,
			row.status ?? "pending",
		],
	);
	if (!inserted) throw new Error("no delivery");
	return inserted.id;
}

/** A settler on `db` whose log lines (info and up) land in `lines`. */
export function testSettler(db: Db): { settler: Settler; lines: string[] } {
	const { stream, lines } = captureLogs();
	const settler = new Settler({
		db,
		logger: createLogger({
			level: "info",
			secretValues: [],
			destination: stream,
		}),
		metrics: createMetrics(),
		publicUrl: "http://plumb.test",
		now: Date.now,
	});
	return { settler, lines };
}

export interface DeliveryState {
	id: string;
	status: string;
	attempts: number;
	last_error: string | null;
	external_ref: string | null;
	next_attempt_at: Date;
	permanent_failures: number;
}

export async function deliveryStates(db: Db): Promise<DeliveryState[]> {
	return db.query<DeliveryState>(
		`select id, status, attempts, last_error, external_ref, next_attempt_at, permanent_failures
		 from plumb.deliveries order by id`,
	);
}

export async function statusCounts(db: Db): Promise<Record<string, number>> {
	const rows = await db.query<{ status: string; n: number }>(
		"select status, count(*)::int as n from plumb.deliveries group by status",
	);
	return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

export interface QueueFixture {
	testDb: TestDb;
	standIn: StandIn;
	/** Set by the test; stopped after it. */
	worker: TestWorker | undefined;
}

/** Per test: a fresh database on `backend`, a stand-in, and the worker the test starts, all cleaned up. */
export function queueFixture(backend: Backend): QueueFixture {
	const fixture = {} as QueueFixture;
	beforeEach(async () => {
		fixture.testDb = await freshDb(backend);
		fixture.standIn = await startStandIn();
		fixture.worker = undefined;
	});
	afterEach(async () => {
		await fixture.worker?.stop();
		await fixture.standIn.close();
		await fixture.testDb.dispose();
	});
	return fixture;
}
