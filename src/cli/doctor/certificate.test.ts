/**
 * The certificate checks on real certificates made by a throwaway authority (openssl), the clock moved
 * for the dates, and one real TLS handshake on loopback with an authority this process does not trust.
 */
import { X509Certificate } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCa, type TestCa } from "../../../test/support/tls.ts";
import { certificateChecks, certificateVerdict } from "./certificate.ts";

const DAY_MS = 86_400_000;

describe("certificateVerdict", () => {
	let ca: TestCa;
	let certificate: X509Certificate;
	let expired: X509Certificate;
	beforeAll(() => {
		ca = createTestCa();
		certificate = new X509Certificate(
			ca.issue(["plumb.example.com"], { days: 90 }).cert,
		);
		expired = new X509Certificate(
			ca.issue(["plumb.example.com"], {
				start: "20200101000000Z",
				end: "20200102000000Z",
			}).cert,
		);
	});
	afterAll(() => ca.dispose());

	const judge = (
		cert: X509Certificate,
		host: string,
		nowMs = Date.now(),
		untrusted?: string,
	) => certificateVerdict({ certificate: cert, untrusted }, host, nowMs);
	const until = () => new Date(certificate.validTo).toISOString().slice(0, 10);

	it("passes a trusted certificate made out for the host, with its days left", () => {
		expect(judge(certificate, "plumb.example.com")).toEqual([
			{
				status: "pass",
				title: "TLS: the certificate is made out for plumb.example.com",
			},
			{
				status: "pass",
				title: `TLS: the certificate is valid until ${until()} (89 days left)`,
			},
		]);
	});

	it("fails a certificate made out for another name", () => {
		expect(judge(certificate, "plumb.other.example")[0]).toMatchObject({
			status: "fail",
			title:
				"TLS: the certificate is for DNS:plumb.example.com, not for plumb.other.example",
		});
	});

	it("warns under 14 days left, fails once expired or before its start", () => {
		const to = Date.parse(certificate.validTo);
		expect(judge(certificate, "plumb.example.com", to - 5 * DAY_MS)[1]).toEqual(
			{
				status: "warn",
				title: `TLS: the certificate expires on ${until()}, in 5 days`,
				fix: "Renew it now, and check that automatic renewal runs.",
			},
		);
		expect(
			judge(certificate, "plumb.example.com", to - 14 * DAY_MS)[1],
		).toMatchObject({
			status: "pass",
		});
		expect(
			judge(certificate, "plumb.example.com", to + DAY_MS)[1],
		).toMatchObject({
			status: "fail",
			title: `TLS: the certificate expired on ${until()}`,
		});
		expect(
			judge(
				certificate,
				"plumb.example.com",
				Date.parse(certificate.validFrom) - DAY_MS,
			)[1],
		).toMatchObject({
			status: "fail",
			title: expect.stringContaining("not valid before"),
		});
		// One made with past dates, judged at the real time.
		expect(
			judge(expired, "plumb.example.com", Date.now(), "CERT_HAS_EXPIRED"),
		).toEqual([
			{
				status: "pass",
				title: "TLS: the certificate is made out for plumb.example.com",
			},
			{
				status: "fail",
				title: "TLS: the certificate expired on 2020-01-02",
				fix: "Renew it (and check why automatic renewal did not run).",
			},
		]);
	});
});

describe("certificateChecks over a real handshake", () => {
	let ca: TestCa;
	let server: Server;
	let url: string;
	beforeAll(async () => {
		ca = createTestCa();
		server = createServer(ca.issue(["127.0.0.1"], { days: 30 }), (_req, res) =>
			res.end(),
		);
		await new Promise<void>((resolve) =>
			server.listen(0, "127.0.0.1", resolve),
		);
		url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		await new Promise((resolve) => server.close(resolve));
		ca.dispose();
	});

	it("reads the served certificate and fails an authority this machine does not trust", async () => {
		const checks = await certificateChecks(url);
		expect(checks).toEqual([
			{
				status: "pass",
				title: "TLS: the certificate is made out for 127.0.0.1",
			},
			{
				status: "fail",
				// The test authority is in no trust store of this process.
				title: expect.stringMatching(
					/^TLS: the certificate is not trusted here \(\w+\)$/,
				),
				fix: expect.any(String),
			},
			{ status: "pass", title: expect.stringMatching(/\(29 days left\)$/) },
		]);
	});

	it("has nothing to check on http, and names an address with no TLS behind it", async () => {
		expect(await certificateChecks("http://127.0.0.1:1")).toEqual([
			{
				status: "skip",
				title: "TLS: --url is http, so there is no certificate to check",
			},
		]);
		const closed = await certificateChecks("https://127.0.0.1:1");
		expect(closed[0]).toMatchObject({
			status: "fail",
			title:
				"TLS: cannot reach 127.0.0.1:1: connection refused (nothing listens there)",
		});
	});
});
