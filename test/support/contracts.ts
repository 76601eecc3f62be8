/**
 * Where the vendors' specs and sample payloads live: `../shared/contracts` beside the checkout
 * (the layout DEVELOPERS.md describes). PLUMB_CONTRACTS_DIR overrides it for a checkout kept
 * elsewhere; /work/shared/contracts is the workplace's copy, for a clone made outside /work.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const candidates = [
	process.env.PLUMB_CONTRACTS_DIR,
	fileURLToPath(new URL("../../../shared/contracts/", import.meta.url)),
	"/work/shared/contracts/",
].filter((dir): dir is string => Boolean(dir));

function findContracts(): string {
	const found = candidates.find((dir) => existsSync(`${dir}/stripe/events`));
	if (!found) {
		throw new Error(
			`The vendor contracts were not found (looked in ${candidates.join(", ")}); set PLUMB_CONTRACTS_DIR to ../shared/contracts.`,
		);
	}
	return found.endsWith("/") ? found : `${found}/`;
}

/** Absolute path, ending in "/". */
export const CONTRACTS_DIR = findContracts();
