import { describe, expect, it } from "vitest";
import { testConfig } from "../../../test/support/app.ts";
import { waitFor } from "../../../test/support/child.ts";
import {
	type Backend,
	backends,
	useFreshDb,
} from "../../../test/support/db.ts";
import {
	failTimes,
	faultyDb,
	sqlError,
} from "../../../test/support/faulty-db.ts";
import { appEvent, count } from "../../../test/support/state.ts";
import { eventWorkerDeps } from "../../../test/support/worker.ts";
import { type Db, pollingWakeup } from "../../store/index.ts";
import {
	EVENT_WORKER_DEFAULTS,
	processBatch,
	startEventWorker,
} from "./event-worker.ts";

interface EventState {
	email: string;
	status: string;
	attempts: number;
	last_error: string | null;
}

const isClaim = (text: string) =>
	text.includes("where status = 'pending' order by id limit");
const isMarkProcessed = (text: string) =>
	text.includes("update plumb.events e set status = 'processed'");
/** The identities write of a batch that names `email`. */
const writesIdentity = (email: string) => (text: string, values: unknown[]) =>
	text.includes("insert into plumb.customer_identities") &&
	Array.isArray(values[1]) &&
	values[1].includes(email);

describe.each(backends)("event worker faults on %s", (backend: Backend) => {
	const t = useFreshDb(backend);

	const signups = async (...emails: string[]) => {
		for (const [i, email] of emails.entries())
			await appEvent(t.db, "signup", { customer: { email } }, 10 + i);
	};
	const events = () =>
		t.db.query<EventState>(
			`select data -> 'customer' ->> 'email' as email, status, attempts, last_error
			 from plumb.events order by id`,
		);
	const customers = async () =>
		(
			await t.db.query<{ email: string }>(
				"select email from plumb.customers order by email",
			)
		).map((c) => c.email);

	it("a batch whose write-back fails is applied one event at a time; only the culprit is charged, then parked", async () => {
		await signups("a@example.com", "b@example.com", "c@example.com");
		const db = faultyDb(t.db, (text, values) =>
			writesIdentity("c@example.com")(text, [...values])
				? new Error("identity write refused")
				: undefined,
		);
		const deps = eventWorkerDeps(db);
		const settings = { ...EVENT_WORKER_DEFAULTS, maxAttempts: 2 };

		expect(await processBatch(deps, settings)).toBe(3);
		expect(await events()).toEqual([
			{
				email: "a@example.com",
				status: "processed",
				attempts: 1,
				last_error: null,
			},
			{
				email: "b@example.com",
				status: "processed",
				attempts: 1,
				last_error: null,
			},
			{
				email: "c@example.com",
				status: "pending",
				attempts: 1,
				last_error: "identity write refused",
			},
		]);
		expect(await customers()).toEqual(["a@example.com", "b@example.com"]);
		expect(
			deps.logs().filter((line) => line.outcome === "batch_split"),
		).toMatchObject([{ events: 3 }]);

		// Alone in its batch now, the culprit fails again and reaches maxAttempts.
		expect(await processBatch(deps, settings)).toBe(1);
		expect((await events())[2]).toMatchObject({
			status: "failed",
			attempts: 2,
		});
		expect(await processBatch(deps, settings)).toBe(0);
		expect(await customers()).toEqual(["a@example.com", "b@example.com"]);
	});

	it.each([
		["a serialization failure", "40001"],
		["a deadlock", "40P01"],
		["a lost connection", "08006"],
	])(
		"%s during write-back rolls the whole batch back and charges no event",
		async (_name, code) => {
			await signups("a@example.com", "b@example.com");
			const db = faultyDb(
				t.db,
				failTimes(1, isMarkProcessed, () => sqlError("batch lost", code)),
			);
			const deps = eventWorkerDeps(db);

			await expect(processBatch(deps, EVENT_WORKER_DEFAULTS)).rejects.toThrow(
				"batch lost",
			);
			expect(
				(await events()).map((e) => [e.status, e.attempts, e.last_error]),
			).toEqual([
				["pending", 0, null],
				["pending", 0, null],
			]);
			expect(await customers()).toEqual([]);
			expect(await count(t.db, "select * from plumb.timeline")).toBe(0);

			expect(await processBatch(deps, EVENT_WORKER_DEFAULTS)).toBe(2);
			expect((await events()).map((e) => [e.status, e.attempts])).toEqual([
				["processed", 1],
				["processed", 1],
			]);
		},
	);

	it("the running worker rides out an unreachable database, a conflict and a broken claim, then applies the inbox", async () => {
		await signups("a@example.com", "b@example.com");
		const errors = [
			sqlError("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"),
			sqlError("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"),
			sqlError("could not serialize access", "40001"),
			new Error("claim broke"),
		];
		const db: Db = faultyDb(
			t.db,
			failTimes(errors.length, isClaim, () => errors.shift() as Error),
		);
		const deps = {
			...eventWorkerDeps(db, testConfig(), "debug"),
			wakeup: pollingWakeup(10),
		};
		const worker = startEventWorker(deps, { concurrency: 1, idleMs: 20 });
		try {
			await waitFor(
				async () =>
					(await count(
						t.db,
						"select * from plumb.events where status = 'processed'",
					)) === 2,
			);
		} finally {
			await worker.stop();
		}

		expect(errors).toEqual([]);
		const outcomes = deps
			.logs()
			.map((line) => line.outcome)
			.filter((outcome) => outcome !== "processed");
		expect(outcomes).toEqual([
			"database_unavailable",
			"conflict_retry",
			"batch_error",
			"worker_resumed",
		]);
		// None of the failures was the events' fault: each was applied on its first attempt.
		expect((await events()).map((e) => [e.status, e.attempts])).toEqual([
			["processed", 1],
			["processed", 1],
		]);
		expect(await customers()).toEqual(["a@example.com", "b@example.com"]);
	});
});
