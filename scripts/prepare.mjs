// `prepare`, which npm runs on `npm install` in a checkout and before `npm pack`: builds dist/. The
// installed package (@plumb-dev/plumb) ships dist/ built and has neither src/ nor a compiler, so there
// it does nothing, whether or not a user approves the script (npm 11 asks them to).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

if (existsSync(new URL("../src/", import.meta.url))) {
	const build = spawnSync("npm", ["run", "build"], { stdio: "inherit" });
	process.exit(build.status ?? 1);
}
