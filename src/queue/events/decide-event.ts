/** One event against the workspace: read its state, let the rules decide, record the decision. */
import { type Decision, decide } from "../../rules/index.ts";
import type { ClaimedEvent } from "../../store/index.ts";
import { readEvent } from "./event-input.ts";
import type { EventKeys } from "./event-keys.ts";
import { recordDecision } from "./record-decision.ts";
import type { Workspace } from "./workspace.ts";

/**
 * The rules decide before anything is recorded, so an event whose rules throw leaves the workspace
 * untouched and fails alone. Returns the customer the event was about and the rules' decision.
 */
export function decideEvent(
	workspace: Workspace,
	event: ClaimedEvent,
	keys: EventKeys,
): { customerId: string | null; decision: Decision } {
	const read = readEvent(workspace, event, keys);
	const decision = decide(read.input);
	const customerId = recordDecision(workspace, event, keys, read, decision);
	return { customerId, decision };
}
