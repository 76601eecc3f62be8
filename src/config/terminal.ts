/**
 * Whether the CLI may colour its output: the conventions every terminal tool honours, read here
 * because config/ is the one place that reads the environment. FORCE_COLOR (not "0") turns colour on,
 * as in Node itself, so tests can see it; otherwise NO_COLOR (https://no-color.org) turns it off;
 * otherwise colour only on a terminal, never into a pipe or a file.
 */
export function colorWanted(
	isTty: boolean,
	source: Record<string, string | undefined> = process.env,
): boolean {
	const force = source.FORCE_COLOR;
	if (force !== undefined && force !== "0" && force !== "false") return true;
	if (source.NO_COLOR !== undefined && source.NO_COLOR !== "") return false;
	return isTty && source.TERM !== "dumb";
}
