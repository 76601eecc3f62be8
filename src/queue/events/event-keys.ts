/** What an event names: the identities, payment references and subscription it touches, and the locks that follow. */
import { type EventData, eventDataSchema } from "../../core/index.ts";
import { normalizeEmail } from "../../rules/index.ts";
import type { ClaimedEvent, Identity } from "../../store/index.ts";

export interface EventKeys {
	data: EventData;
	identities: Identity[];
	refs: string[];
	subscriptionRef: string | undefined;
	disputeKey: string | undefined;
}

/** Parses the stored data (a bad row throws, and that event fails alone) and lists its keys. */
export function keysOf(event: ClaimedEvent): EventKeys {
	const data = eventDataSchema.parse(event.data);
	const facts = data.customer ?? {};
	const identities: Identity[] = [];
	if (facts.stripe_customer_id)
		identities.push({
			kind: "stripe_customer_id",
			value: facts.stripe_customer_id,
		});
	for (const appUserId of new Set([
		...(facts.app_user_id ? [facts.app_user_id] : []),
		...(facts.app_user_aliases ?? []),
	]))
		identities.push({ kind: "app_user_id", value: appUserId });
	const email = normalizeEmail(facts.email);
	if (email) identities.push({ kind: "email", value: email });
	const refs = [
		...new Set([
			...(data.payment?.refs ?? []),
			...(data.refund?.refs ?? []),
			...(data.dispute?.refs ?? []),
		]),
	];
	return {
		data,
		identities,
		refs,
		subscriptionRef: data.subscription?.id ?? data.payment?.subscription_id,
		disputeKey: data.dispute ? `dispute:${data.dispute.id}` : undefined,
	};
}

/** The advisory-lock keys: two workers on events about one person, payment or subscription take turns. */
export function lockKeysOf(keys: EventKeys): string[] {
	return [
		...keys.identities.map((identity) => `${identity.kind}:${identity.value}`),
		...keys.refs.map((ref) => `ref:${ref}`),
		...(keys.subscriptionRef ? [`sub:${keys.subscriptionRef}`] : []),
		...(keys.disputeKey ? [keys.disputeKey] : []),
	];
}
