/**
 * `plumb doctor --url`: the address doctor reached is the one the instance puts in alert links and
 * tells people about (PLUMB_PUBLIC_URL, as the instance reports it). Origins are compared: scheme,
 * host and port.
 */
import type { ConfigSummary } from "../../config/index.ts";
import type { Check } from "./check.ts";

export function publicUrlCheck(summary: ConfigSummary, url: string): Check {
	const reached = new URL(url).origin;
	if (!summary.public_url_set)
		return {
			status: "skip",
			title: `Public URL: PLUMB_PUBLIC_URL is not set on the instance, so it cannot be compared with ${reached}`,
		};
	const configured = new URL(summary.public_url).origin;
	if (configured === reached)
		return {
			status: "pass",
			title: `Public URL: PLUMB_PUBLIC_URL is ${configured}, the address tried here`,
		};
	// An http --url is usually the instance's inside address, which is rightly not the public one.
	return {
		status: new URL(url).protocol === "https:" ? "fail" : "warn",
		title: `Public URL: PLUMB_PUBLIC_URL is ${configured}, not ${reached} (the address tried here)`,
		fix: `Set PLUMB_PUBLIC_URL=${reached} on the instance if that is where people reach it, or run doctor with --url ${configured}.`,
	};
}
