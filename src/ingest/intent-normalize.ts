/** A validated intent and its caller → the canonical event's data sections, or why this caller may not send it. */
import {
	type CustomerFacts,
	type EventData,
	err,
	ok,
	type Result,
} from "../core/index.ts";
import { classifySupportCategory } from "../rules/index.ts";
import type { Caller } from "./auth.ts";
import type { FieldError, IntentBody, IntentType } from "./intent-schemas.ts";

/** 403 when the caller asks for something only another caller may do; 400 when the body lacks what the caller must say. */
export interface IntentRefusal {
	code: "forbidden" | "validation_failed";
	message: string;
	details?: FieldError[];
}

/** The object without undefined or empty-string values; undefined when nothing is left. */
function compact<T extends Record<string, unknown>>(value: T): T | undefined {
	const entries = Object.entries(value).filter(
		([, item]) => item !== undefined && item !== "",
	);
	return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

/**
 * Who the event is about. An end user is their token: no `customer` field, and an e-mail in `data` must
 * be their own, or one user could attach facts to another's customer record (customers merge by
 * e-mail). A server API key names the customer, or (signup, lead) the data's e-mail does.
 */
function customerOf(
	body: IntentBody,
	caller: Caller,
): Result<CustomerFacts, IntentRefusal> {
	const dataEmail = "email" in body.data ? body.data.email : undefined;
	if (caller.kind === "user") {
		if (body.customer !== undefined)
			return err({
				code: "forbidden",
				message:
					"customer comes from your access token; only a server API key may name a customer.",
			});
		if (dataEmail !== undefined && dataEmail !== caller.email)
			return err({
				code: "forbidden",
				message:
					caller.email === undefined
						? "Your account has no e-mail address, so data.email cannot be checked; send this intent from your server with an API key."
						: "data.email must be the e-mail address of your own account.",
			});
		return ok({
			...(caller.email === undefined ? {} : { email: caller.email }),
			app_user_id: caller.sub,
		});
	}
	const named = body.customer;
	if (named === undefined && dataEmail === undefined)
		return err({
			code: "validation_failed",
			message: "With an API key, say whom the intent is about.",
			details: [
				{
					field: "customer",
					message: "is required with an API key: {email, user_id?}",
				},
			],
		});
	if (
		named !== undefined &&
		dataEmail !== undefined &&
		named.email !== dataEmail
	)
		return err({
			code: "validation_failed",
			message: "customer.email and data.email name different people.",
			details: [{ field: "customer.email", message: "must equal data.email" }],
		});
	return ok(
		compact({
			email: named?.email ?? dataEmail,
			app_user_id: named?.user_id,
		}) ?? {},
	);
}

/**
 * The canonical `data` of an intent: customer {email (trimmed, lower case), name, phone, app_user_id},
 * lead {source, utm, referrer, company}, support {message, subject, category, attachments},
 * chat {session_id}. The support category is the classifier's (the client's is a hint); attachment
 * URLs are kept as links. Text is data: nothing in it is ever read as an instruction.
 */
export function intentEventData(
	body: IntentBody,
	caller: Caller,
): Result<{ type: IntentType; data: EventData }, IntentRefusal> {
	const who = customerOf(body, caller);
	if (!who.ok) return who;
	const customer = who.value;
	switch (body.type) {
		case "signup": {
			const { name, phone, utm, referrer } = body.data;
			return ok({
				type: body.type,
				data: dropEmpty({
					customer: { ...customer, ...compact({ name, phone }) },
					lead: compact({ utm: utm && compact(utm), referrer }),
				}),
			});
		}
		case "lead_captured": {
			const { name, phone, utm, source, company } = body.data;
			return ok({
				type: body.type,
				data: dropEmpty({
					customer: { ...customer, ...compact({ name, phone }) },
					lead: compact({ source, utm: utm && compact(utm), company }),
				}),
			});
		}
		case "chat_started":
			return ok({
				type: body.type,
				data: { customer, chat: { session_id: body.data.session_id } },
			});
		case "support_requested": {
			const { message, subject, category, attachments } = body.data;
			return ok({
				type: body.type,
				data: {
					customer,
					support: {
						message,
						...compact({ subject }),
						category: classifySupportCategory({
							message,
							subject,
							hint: category,
						}),
						...(attachments === undefined || attachments.length === 0
							? {}
							: { attachments }),
					},
				},
			});
		}
	}
}

function dropEmpty(data: EventData): EventData {
	return compact(data) ?? {};
}
