/**
 * The contract every connector passes (STYLE.md "Connectors classify every failure"), run by each
 * connector's own test file against its vendor stand-in: success → an external ref; 5xx, a hang
 * past the deadline, a reset or a refused connection → retry; 429 → retry with the vendor's
 * Retry-After; a validation refusal → permanent with the vendor's words; a credential refusal →
 * permanent with a message that names the variable to fix; never a secret in an outcome or a log.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type {
	Connector,
	DeliveryOutcome,
	DeliveryRequest,
} from "../core/index.ts";

/** How the vendor behaves for the next attempt. */
export type ContractMode =
	| "success"
	| "server_error"
	| "hang"
	| "reset"
	| "rate_limited"
	| "invalid"
	| "unauthorized";

export interface ContractHarness {
	/** Configured against the stand-in, with a logger whose lines `logs()` returns. */
	connector: Connector;
	/** The same connector pointed at a loopback port nobody listens on. */
	unreachable: Connector;
	/** A valid delivery for this connector. */
	request(): DeliveryRequest;
	arrange(mode: ContractMode): void | Promise<void>;
	/** What a success's external ref looks like; undefined when the vendor gives none (Slack). */
	expectedRef: RegExp | undefined;
	/** Seconds the stand-in sends in Retry-After with a 429; undefined where there is no such thing (SMTP). */
	retryAfterSeconds: number | undefined;
	/** Words from the stand-in's validation error that the reason must carry. */
	validationMessage: RegExp;
	/** The reason for a credential refusal must name what to fix. */
	authMessage: RegExp;
	/** Every secret the connector holds (token, Basic header, webhook URL, SMTP password …). */
	secrets: readonly string[];
	/** Everything the connector logged, raw. */
	logs(): string;
	close(): Promise<void>;
}

/** Short, so the hang case proves the connector gives up when the queue's deadline passes. */
const DEADLINE_MS = 400;

export function describeConnectorContract(
	name: string,
	setup: () => Promise<ContractHarness>,
): void {
	describe(`${name} connector contract`, () => {
		let harness: ContractHarness;
		const outcomes: DeliveryOutcome[] = [];

		async function attempt(
			connector: Connector = harness.connector,
			deadlineMs = 10_000,
		): Promise<DeliveryOutcome> {
			const result = await connector.deliver(
				harness.request(),
				AbortSignal.timeout(deadlineMs),
			);
			outcomes.push(result);
			return result;
		}

		beforeAll(async () => {
			harness = await setup();
		});
		afterAll(async () => {
			await harness?.close();
		});
		beforeEach(async () => {
			await harness.arrange("success");
		});

		it("answers a success with ok and the vendor's reference", async () => {
			const result = await attempt();
			expect(result.kind).toBe("ok");
			const ref = result.kind === "ok" ? result.externalRef : "not ok";
			if (harness.expectedRef === undefined) expect(ref).toBeUndefined();
			else expect(ref).toMatch(harness.expectedRef);
		});

		it("retries a vendor-side failure (5xx or its SMTP equivalent)", async () => {
			await harness.arrange("server_error");
			expect((await attempt()).kind).toBe("retry");
		});

		it("retries when the vendor hangs past the deadline, and gives up promptly", async () => {
			await harness.arrange("hang");
			const started = Date.now();
			const result = await attempt(harness.connector, DEADLINE_MS);
			expect(result.kind).toBe("retry");
			expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 3_000);
		});

		it("retries a connection reset", async () => {
			await harness.arrange("reset");
			expect((await attempt()).kind).toBe("retry");
		});

		it("retries when nothing listens (connection refused)", async () => {
			expect((await attempt(harness.unreachable)).kind).toBe("retry");
		});

		it("retries a rate limit after the vendor's Retry-After, flagged as rate-limited", async (context) => {
			if (harness.retryAfterSeconds === undefined) return context.skip();
			await harness.arrange("rate_limited");
			expect(await attempt()).toMatchObject({
				kind: "retry",
				afterMs: harness.retryAfterSeconds * 1000,
				rateLimited: true,
			});
		});

		it("gives up on a validation refusal, keeping the vendor's words", async () => {
			await harness.arrange("invalid");
			const result = await attempt();
			expect(result.kind).toBe("permanent");
			expect(result.kind === "permanent" ? result.reason : "").toMatch(
				harness.validationMessage,
			);
		});

		it("gives up on a credential refusal with a message that says what to fix", async () => {
			await harness.arrange("unauthorized");
			const result = await attempt();
			expect(result.kind).toBe("permanent");
			expect(result.kind === "permanent" ? result.reason : "").toMatch(
				harness.authMessage,
			);
		});

		it("never puts a secret in an outcome or a log line", () => {
			expect(outcomes.length).toBeGreaterThanOrEqual(7);
			const text = `${JSON.stringify(outcomes)}\n${harness.logs()}`;
			for (const secret of harness.secrets) expect(text).not.toContain(secret);
			for (const result of outcomes) {
				if (result.kind !== "ok")
					expect(result.reason.length).toBeLessThanOrEqual(700);
			}
		});
	});
}
