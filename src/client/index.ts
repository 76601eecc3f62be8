/** `@plumb-dev/plumb/client`: submit intents to Plumb and follow their status. No dependencies, no Node APIs. */
export { createPlumbClient, randomKey } from "./client.ts";
export type {
	Accepted,
	ChatData,
	Intent,
	IntentCustomer,
	IntentType,
	LeadData,
	PlumbClient,
	PlumbClientOptions,
	PlumbError,
	PlumbResult,
	RequestState,
	RequestStatus,
	SignupData,
	SubmitOptions,
	SupportCategory,
	SupportData,
	Utm,
	WaitOptions,
} from "./types.ts";
