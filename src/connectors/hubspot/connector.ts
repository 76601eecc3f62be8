/** The HubSpot connector: crm_syncs upsert the customers' contacts by e-mail (PRODUCT §5 "CRM fields"). */
import {
	type Connector,
	type DeliveryOutcome,
	type DeliveryRequest,
	ok,
	outcome,
	type Result,
} from "../../core/index.ts";
import type { ConnectorDeps } from "../deps.ts";
import { unexpectedShape } from "../http.ts";
import {
	batchErrorOutcome,
	createHubSpotClient,
	type HubSpotClient,
	namedInError,
	type UpsertResponse,
} from "./client.ts";
import {
	contactProperties,
	DEFAULT_LIFECYCLE_ORDER,
	lifecycleToSend,
	normalizeEmail,
	PLUMB_PROPERTIES,
	type UpsertInput,
	upsertBody,
} from "./map.ts";

export interface HubSpotSettings {
	accessToken: string;
	baseUrl: string;
}

/** HubSpot's batch endpoints take at most 100 inputs (hubspot/NOTES.md). */
export const HUBSPOT_BATCH_SIZE = 100;

/**
 * A batch of crm_syncs is: (once per process) make sure Plumb's custom properties exist and read the
 * account's lifecycle stage order; (only when a stage is on offer) one batch read of the contacts'
 * current stages; then one batch upsert keyed by e-mail. Each step is idempotent, so a retry is
 * safe, and each delivery's outcome is read from its own input's result.
 */
export function createHubSpotConnector(
	settings: HubSpotSettings,
	deps: ConnectorDeps,
): Connector {
	const client = createHubSpotClient({ ...settings, ...deps });
	const log = deps.logger.child({ connector: "hubspot" });
	const schema = schemaCache(client, log);

	async function deliverMany(
		requests: readonly DeliveryRequest[],
		signal: AbortSignal,
	): Promise<DeliveryOutcome[]> {
		const outcomes: Array<DeliveryOutcome | undefined> = requests.map(
			() => undefined,
		);
		const pending: Array<{
			index: number;
			email: string;
			request: DeliveryRequest;
		}> = [];
		const taken = new Set<string>();
		for (const [index, request] of requests.entries()) {
			const checked = checkRequest(request);
			if (typeof checked !== "string") outcomes[index] = checked;
			else if (taken.has(checked))
				// HubSpot refuses a batch naming one contact twice; the second goes in a later batch.
				outcomes[index] = outcome.retry(
					"another sync of this contact was in the same batch; sent again after it",
				);
			else {
				taken.add(checked);
				pending.push({ index, email: checked, request });
			}
		}
		const fill = (result: DeliveryOutcome) => {
			for (const item of pending) outcomes[item.index] = result;
		};
		if (pending.length > 0) {
			const prepared = await prepareInputs(client, schema, pending, signal);
			if (!prepared.ok) fill(prepared.error);
			else {
				const results = await upsertSplitting(
					client,
					prepared.value,
					log,
					signal,
				);
				for (const [i, item] of pending.entries())
					outcomes[item.index] = results[i];
			}
		}
		return outcomes.map(
			(result) =>
				result ??
				outcome.retry("HubSpot connector left a contact without an outcome"),
		);
	}

	return {
		destination: "hubspot",
		async deliver(request, signal) {
			const [result] = await deliverMany([request], signal);
			return result ?? outcome.retry("HubSpot connector returned no outcome");
		},
		batch: {
			maxSize: HUBSPOT_BATCH_SIZE,
			// The stage read and the upsert.
			requestsPerCall: 2,
			deliverMany,
		},
	};
}

/** The contact's e-mail (the upsert key), or the permanent reason this delivery cannot be a contact. */
function checkRequest(request: DeliveryRequest): string | DeliveryOutcome {
	if (request.action !== "crm_sync") {
		return outcome.permanent(
			`HubSpot handles crm_sync deliveries only, not ${request.action}`,
		);
	}
	const customer = request.customer;
	if (customer === undefined) {
		return outcome.permanent(
			"No customer snapshot was attached to this CRM sync (the customer may have been deleted)",
		);
	}
	return (
		normalizeEmail(customer.email) ??
		outcome.permanent(
			"The customer has no e-mail address yet: HubSpot contacts are upserted by e-mail, so there is nothing to sync",
		)
	);
}

/** Properties and the lifecycle stage to send for each contact, in `pending`'s order. */
async function prepareInputs(
	client: HubSpotClient,
	schema: ReturnType<typeof schemaCache>,
	pending: ReadonlyArray<{ email: string; request: DeliveryRequest }>,
	signal: AbortSignal,
): Promise<Result<UpsertInput[], DeliveryOutcome>> {
	const order = await schema.ensure(signal);
	if (!order.ok) return order;
	const staged = pending
		.filter((item) => item.request.customer?.lifecycle_stage !== undefined)
		.map((item) => item.email);
	const stages =
		staged.length === 0
			? ok(new Map())
			: await client.readLifecycleStages(staged, signal);
	if (!stages.ok) return stages;
	return ok(
		pending.map(({ email, request }) => {
			const customer = request.customer;
			const current = stages.value.get(email);
			// A contact whose stage we could not read keeps whatever stage it has.
			const stage =
				current === undefined || current.kind === "unknown"
					? undefined
					: lifecycleToSend(
							customer?.lifecycle_stage,
							current.kind === "found" ? current.stage : undefined,
							order.value,
						);
			return {
				email,
				traceId: request.id,
				properties: customer ? contactProperties(customer, stage) : {},
			};
		}),
	);
}

/**
 * Upserts `inputs`, one outcome each. When HubSpot refuses a whole batch (a 4xx other than 401, 403
 * or 429: one contact's bad value fails them all), the batch is split in halves until the refusal
 * lands on the contact it is about, so no other delivery is charged a permanent failure for it.
 */
async function upsertSplitting(
	client: HubSpotClient,
	inputs: readonly UpsertInput[],
	log: ConnectorDeps["logger"],
	signal: AbortSignal,
): Promise<DeliveryOutcome[]> {
	const reply = await client.upsertContacts(upsertBody(inputs), signal);
	if (reply.ok) return perInput(reply.value, inputs, client, log);
	const refusal = reply.error;
	const whole =
		refusal.kind === "permanent" &&
		refusal.httpStatus !== undefined &&
		![401, 403].includes(refusal.httpStatus);
	if (!whole || inputs.length === 1 || signal.aborted)
		return inputs.map(() => refusal);
	const half = Math.ceil(inputs.length / 2);
	log.info(
		{ step: "deliver", outcome: "batch_split", size: inputs.length },
		"HubSpot refused the whole batch; sending it in halves to find the contact it is about",
	);
	return [
		...(await upsertSplitting(client, inputs.slice(0, half), log, signal)),
		...(await upsertSplitting(client, inputs.slice(half), log, signal)),
	];
}

/**
 * 200 or 207 → each input's outcome: its result (found by objectWriteTraceId, else by e-mail) is
 * success; an error naming it (in `context`) is classified; an error naming nobody is blamed on the
 * one input left without a result, and only retried when several are (we cannot tell whose it is).
 */
function perInput(
	reply: UpsertResponse,
	inputs: readonly UpsertInput[],
	client: HubSpotClient,
	log: ConnectorDeps["logger"],
): DeliveryOutcome[] {
	const byTrace = new Map(
		reply.results.flatMap((r) =>
			r.objectWriteTraceId === undefined ? [] : [[r.objectWriteTraceId, r]],
		),
	);
	const byEmail = new Map(
		reply.results.flatMap((r) => {
			const email = normalizeEmail(r.properties?.email ?? undefined);
			return email === undefined ? [] : [[email, r]];
		}),
	);
	const named = new Map<
		string,
		NonNullable<UpsertResponse["errors"]>[number]
	>();
	const anonymous: NonNullable<UpsertResponse["errors"]> = [];
	for (const error of reply.errors ?? []) {
		const names = namedInError(error);
		const about = inputs.filter(
			(input) => names.has(input.traceId) || names.has(input.email),
		);
		if (about.length === 0) anonymous.push(error);
		for (const input of about) named.set(input.traceId, error);
	}
	const secrets = client.profile.secrets;
	const found = inputs.map(
		(input) =>
			byTrace.get(input.traceId) ??
			byEmail.get(input.email) ??
			// A batch of one: any result can only be ours.
			(inputs.length === 1 ? reply.results[0] : undefined),
	);
	const unmatched = found.filter((result) => result === undefined).length;
	if ((reply.errors?.length ?? 0) > 0)
		log.warn(
			{
				step: "deliver",
				outcome: "partial",
				inputs: inputs.length,
				results: reply.results.length,
				errors: reply.errors?.length,
			},
			"HubSpot reported errors for some contacts of a batch",
		);
	return inputs.map((input, i) => {
		const result = found[i];
		if (result !== undefined) return outcome.ok(result.id);
		const error = named.get(input.traceId);
		if (error !== undefined) return batchErrorOutcome(error, secrets);
		const [first] = anonymous;
		if (first !== undefined && unmatched === 1)
			return batchErrorOutcome(first, secrets);
		if (first !== undefined) {
			const why = batchErrorOutcome(first, secrets);
			return outcome.retry(
				`HubSpot reported an error naming no contact, and returned no result for this one: ${why.kind === "ok" ? "" : why.reason}`,
			);
		}
		return unexpectedShape(
			"HubSpot",
			"batch upsert reply (no result and no error for this contact)",
		);
	});
}

/**
 * Plumb's custom properties, created if missing, once per process: the memo holds only a success,
 * so a failure (a missing scope, an outage) is tried again by the next delivery. Concurrent
 * deliveries share one attempt; two processes racing are fine because 409 means "exists".
 */
function schemaCache(client: HubSpotClient, log: ConnectorDeps["logger"]) {
	let ready: readonly string[] | undefined;
	let pending: Promise<Result<readonly string[], DeliveryOutcome>> | undefined;

	async function bootstrap(
		signal: AbortSignal,
	): Promise<Result<readonly string[], DeliveryOutcome>> {
		const listed = await client.listContactProperties(signal);
		if (!listed.ok) return listed;
		const existing = new Set(listed.value.map((property) => property.name));
		for (const definition of PLUMB_PROPERTIES) {
			if (existing.has(definition.name)) continue;
			const created = await client.createContactProperty(definition, signal);
			if (!created.ok) return created;
			log.info(
				{
					step: "bootstrap",
					property: definition.name,
					outcome: created.value,
				},
				"HubSpot contact property ensured",
			);
		}
		const lifecycle = listed.value.find(
			(property) => property.name === "lifecyclestage",
		);
		// HubSpot lists options by displayOrder, where -1 means "after the numbered ones".
		const rank = (order: number | undefined) =>
			order === undefined || order < 0 ? Number.MAX_SAFE_INTEGER : order;
		const options = [...(lifecycle?.options ?? [])].sort(
			(a, b) => rank(a.displayOrder) - rank(b.displayOrder),
		);
		return ok(
			options.length > 0
				? options.map((option) => option.value)
				: DEFAULT_LIFECYCLE_ORDER,
		);
	}

	return {
		async ensure(
			signal: AbortSignal,
		): Promise<Result<readonly string[], DeliveryOutcome>> {
			if (ready !== undefined) return ok(ready);
			pending ??= bootstrap(signal).finally(() => {
				pending = undefined;
			});
			const result = await pending;
			if (result.ok) ready = result.value;
			return result;
		},
	};
}
