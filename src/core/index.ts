export type {
	AddCommentIntent,
	AddCommentPayload,
	BatchDelivery,
	Connector,
	CreateTicketIntent,
	CreateTicketPayload,
	CrmSyncIntent,
	CustomerSnapshot,
	DeliveryAction,
	DeliveryIntent,
	DeliveryOutcome,
	DeliveryRequest,
	DeliveryStatus,
	Destination,
	Notification,
	NotificationKind,
	NotifyIntent,
	TicketCategory,
	TicketContext,
	TicketPriority,
	Tier,
} from "./delivery.ts";
export {
	DELIVERY_STATUSES,
	DESTINATION_NAMES,
	DESTINATIONS,
	deliveryStatusSchema,
	destinationSchema,
	NOTIFICATION_KINDS,
	outcome,
	TICKET_CATEGORIES,
} from "./delivery.ts";
export type { ErrorCode } from "./errors.ts";
export { AppError, ERROR_CODES } from "./errors.ts";
export type {
	CustomerFacts,
	EventData,
	EventSource,
	EventStatus,
	EventType,
	NewEvent,
	PaymentFacts,
	StoredEvent,
	SubscriptionFacts,
} from "./event.ts";
export {
	BILLING_SOURCES,
	customerFactsSchema,
	disputeFactsSchema,
	EVENT_SOURCES,
	EVENT_STATUSES,
	EVENT_TYPES,
	eventDataSchema,
	eventSourceSchema,
	eventTypeSchema,
	leadFactsSchema,
	paymentFactsSchema,
	REVENUECAT_REF_PREFIXES,
	refundFactsSchema,
	SUBSCRIPTION_FOLLOWS_PERSON,
	subscriptionFactsSchema,
	supportFactsSchema,
	ticketFactsSchema,
	utmSchema,
} from "./event.ts";
export { uuidv7 } from "./ids.ts";
export type { Result } from "./result.ts";
export { err, ok } from "./result.ts";
export { MAX_RETRY_AFTER_MS, parseRetryAfter } from "./retry-after.ts";
