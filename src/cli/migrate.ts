/** `plumb migrate`: apply pending migrations and exit. */
import type { Config } from "../config/index.ts";
import { migrate } from "../store/index.ts";
import { openRuntime } from "./runtime.ts";

export async function migrateCommand(config: Config): Promise<number> {
	const runtime = await openRuntime(config);
	try {
		const applied = await migrate(runtime.db);
		process.stdout.write(
			applied.length === 0
				? "Database is up to date.\n"
				: `Applied: ${applied.join(", ")}\n`,
		);
		return 0;
	} finally {
		await runtime.close();
	}
}
