// Makes the migrated PGlite data directory that a first `npm start` copies instead of running initdb and
// every migration (src/store/db/pglite-template.ts). Runs after tsc in `npm run build`.
// Best effort: without it Plumb still starts, only a few seconds slower the first time.
try {
	const { makePgliteTemplate } = await import("../dist/store/db/index.js");
	await makePgliteTemplate();
} catch (error) {
	console.warn(
		`plumb: could not prepare the PGlite template (${error.message}); the first start will be slower.`,
	);
}
