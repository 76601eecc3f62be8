// The build copies the .sql migrations next to the compiled migrate.js (dist/store/db/), where it looks for them.
import { cpSync } from "node:fs";

cpSync(
	new URL("../src/store/db/migrations/", import.meta.url),
	new URL("../dist/store/db/migrations/", import.meta.url),
	{
		recursive: true,
	},
);
