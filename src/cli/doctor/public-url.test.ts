import { describe, expect, it } from "vitest";
import { loadConfig, summarizeConfig } from "../../config/index.ts";
import { publicUrlCheck } from "./public-url.ts";

const summary = (env: Record<string, string>) =>
	summarizeConfig(loadConfig({ PLUMB_DATA_DIR: "/nonexistent", ...env }));

describe("publicUrlCheck", () => {
	const set = summary({ PLUMB_PUBLIC_URL: "https://plumb.example.com/" });

	it("passes when --url has the origin of PLUMB_PUBLIC_URL (paths and trailing slashes aside)", () => {
		expect(publicUrlCheck(set, "https://plumb.example.com")).toEqual({
			status: "pass",
			title:
				"Public URL: PLUMB_PUBLIC_URL is https://plumb.example.com, the address tried here",
		});
	});

	it("fails another https origin (port or scheme included) and warns on an http inside address", () => {
		expect(publicUrlCheck(set, "https://plumb.example.com:8443").status).toBe(
			"fail",
		);
		expect(publicUrlCheck(set, "https://edge.example.net")).toMatchObject({
			status: "fail",
			title:
				"Public URL: PLUMB_PUBLIC_URL is https://plumb.example.com, not https://edge.example.net (the address tried here)",
		});
		expect(publicUrlCheck(set, "http://10.0.0.5:8080").status).toBe("warn");
	});

	it("cannot compare when the instance has no PLUMB_PUBLIC_URL", () => {
		expect(
			publicUrlCheck(summary({}), "https://plumb.example.com"),
		).toMatchObject({
			status: "skip",
		});
	});
});
