// The build copies the .sql migrations next to the compiled store, where migrate.ts looks for them.
import { cpSync } from "node:fs";

cpSync(
	new URL("../src/store/migrations/", import.meta.url),
	new URL("../dist/store/migrations/", import.meta.url),
	{
		recursive: true,
	},
);
