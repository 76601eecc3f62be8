/** The HubSpot connector: a crm_sync upserts the customer's contact by e-mail (PRODUCT §5 "CRM fields"). */
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
	type UpsertResponse,
} from "./client.ts";
import {
	contactProperties,
	DEFAULT_LIFECYCLE_ORDER,
	lifecycleToSend,
	normalizeEmail,
	PLUMB_PROPERTIES,
	upsertBody,
} from "./map.ts";

export interface HubSpotSettings {
	accessToken: string;
	baseUrl: string;
}

/**
 * One crm_sync is: (once per process) make sure Plumb's custom properties exist and read the
 * account's lifecycle stage order; (only when we have a stage to offer) read the contact's current
 * stage; then one batch upsert keyed by e-mail. Every step is idempotent, so a retry is safe.
 */
export function createHubSpotConnector(
	settings: HubSpotSettings,
	deps: ConnectorDeps,
): Connector {
	const client = createHubSpotClient({ ...settings, ...deps });
	const log = deps.logger.child({ connector: "hubspot" });
	const schema = schemaCache(client, log);

	return {
		destination: "hubspot",
		async deliver(request, signal) {
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
			const email = normalizeEmail(customer.email);
			if (email === undefined) {
				return outcome.permanent(
					"The customer has no e-mail address yet: HubSpot contacts are upserted by e-mail, so there is nothing to sync",
				);
			}
			const order = await schema.ensure(signal);
			if (!order.ok) return order.error;
			const stage = await stageToSend(
				client,
				request,
				email,
				order.value,
				signal,
			);
			if (!stage.ok) return stage.error;
			const reply = await client.upsertContacts(
				upsertBody(email, contactProperties(customer, stage.value)),
				signal,
			);
			if (!reply.ok) return reply.error;
			return settle(reply.value, email, client, log);
		},
	};
}

async function stageToSend(
	client: HubSpotClient,
	request: DeliveryRequest,
	email: string,
	order: readonly string[],
	signal: AbortSignal,
): Promise<Result<string | undefined, DeliveryOutcome>> {
	const ours = request.customer?.lifecycle_stage;
	if (ours === undefined) return ok(undefined);
	const current = await client.getLifecycleStage(email, signal);
	if (!current.ok) return current;
	return ok(lifecycleToSend(ours, current.value.stage, order));
}

/** 200 → the contact id; 207 → ours may have succeeded while others failed, or be the failure. */
function settle(
	reply: UpsertResponse,
	email: string,
	client: HubSpotClient,
	log: ConnectorDeps["logger"],
): DeliveryOutcome {
	// One input per batch, so any result is ours; prefer the one that names our e-mail.
	const result =
		reply.results.find(
			(item) => normalizeEmail(item.properties?.email ?? undefined) === email,
		) ?? reply.results[0];
	if (result !== undefined) {
		if ((reply.errors?.length ?? 0) > 0) {
			log.warn(
				{ step: "deliver", outcome: "partial", errors: reply.errors?.length },
				"HubSpot reported errors beside the upserted contact",
			);
		}
		return outcome.ok(result.id);
	}
	const first = reply.errors?.[0];
	if (first !== undefined)
		return batchErrorOutcome(first, client.profile.secrets);
	return unexpectedShape("HubSpot", "batch upsert reply (no result, no error)");
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
