/** Dashboard pages: deliveries (list, replay one, replay every dead or skipped one after a confirmation) and alerts. */
import type { Hono } from "hono";
import { z } from "zod";
import {
	AppError,
	DELIVERY_STATUSES,
	DESTINATIONS,
	destinationSchema,
} from "../core/index.ts";
import {
	ALERT_SEVERITIES,
	ALERT_STATUSES,
	countReplayable,
	customerLabels,
} from "../store/index.ts";
import {
	acknowledge,
	alertsPage,
	alertsQuerySchema,
	reasonSchema,
} from "./alerts.ts";
import {
	bulkStatusSchema,
	deliveriesPage,
	deliveriesQuerySchema,
	replayAll,
	replayOne,
} from "./deliveries.ts";
import { type AdminEnv, type AdminRouteDeps, actorOf } from "./deps.ts";
import { type NoticeCode, noticeParams, noticeText } from "./notices.ts";
import { currentPath, formFields, withParams } from "./page-guard.ts";
import { optionalParam, parseInput } from "./query.ts";
import { render, sessionFrame } from "./render.ts";
import { AlertsPage } from "./ui/alerts.tsx";
import { BulkReplayPage, DeliveriesPage } from "./ui/deliveries.tsx";

const replayForm = z.object({ ...formFields, reason: reasonSchema }).strict();
const bulkForm = z
	.object({
		_csrf: formFields._csrf,
		status: optionalParam(bulkStatusSchema),
		destination: optionalParam(destinationSchema),
		confirm: z.literal("yes", { error: "tick the confirmation box" }),
		reason: reasonSchema,
	})
	.strict();
const bulkQuery = z
	.object({
		status: optionalParam(bulkStatusSchema),
		destination: optionalParam(destinationSchema),
	})
	.strict();

export function deliveryPages(app: Hono<AdminEnv>, deps: AdminRouteDeps): void {
	app.get("/deliveries", async (c) => {
		const raw = c.req.query();
		const query = parseInput(
			deliveriesQuerySchema.extend(noticeParams),
			raw,
			"query",
		);
		const result = await deliveriesPage(deps, query);
		const ids = result.items.flatMap((d) => d.customer_id ?? []);
		const replayable =
			query.status === "dead" || query.status === "skipped"
				? await countReplayable(deps.db, {
						status: query.status,
						destination: query.destination ?? null,
					})
				: 0;
		return render(
			c,
			<DeliveriesPage
				customers={await customerLabels(deps.db, ids)}
				replayable={replayable}
				frame={sessionFrame(c, "Deliveries")}
				items={result.items}
				next={result.next_cursor}
				query={raw}
				statuses={DELIVERY_STATUSES}
				destinations={DESTINATIONS}
				returnTo={currentPath(c)}
				notice={noticeText(query.notice, query.count)}
				now={deps.now()}
			/>,
		);
	});

	app.get("/deliveries/replay", async (c) => {
		const query = parseInput(bulkQuery, c.req.query(), "query");
		const status = query.status ?? "dead";
		const count = await countReplayable(deps.db, {
			status,
			destination: query.destination ?? null,
		});
		return render(
			c,
			<BulkReplayPage
				frame={sessionFrame(c, `Replay ${status} deliveries`)}
				status={status}
				destination={query.destination}
				count={count}
			/>,
		);
	});

	app.post("/deliveries/replay", async (c) => {
		const form = parseInput(bulkForm, await c.req.parseBody(), "body");
		const status = form.status ?? "dead";
		const answer = await replayAll(deps, {
			status,
			destination: form.destination ?? null,
			reason: form.reason,
			actor: actorOf(c.var.access, c.var.requestId),
		});
		return c.redirect(
			withParams("/admin/deliveries", {
				status,
				destination: form.destination,
				notice:
					answer.intervention_id === null
						? "nothing_to_replay"
						: "bulk_replayed",
				count: answer.requeued,
			}),
			303,
		);
	});

	app.post("/deliveries/:id/replay", async (c) => {
		const form = parseInput(replayForm, await c.req.parseBody(), "body");
		let notice: NoticeCode;
		try {
			const answer = await replayOne(deps, {
				id: c.req.param("id"),
				reason: form.reason,
				force: false,
				actor: actorOf(c.var.access, c.var.requestId),
			});
			notice = answer.requeued
				? "replayed"
				: answer.status === "skipped"
					? "superseded"
					: "already_queued";
		} catch (error) {
			if (!(error instanceof AppError) || error.code !== "conflict")
				throw error;
			notice = "replay_refused";
		}
		return c.redirect(
			withParams(form.return_to ?? "/admin/deliveries", { notice }),
			303,
		);
	});

	app.get("/alerts", async (c) => {
		const raw = c.req.query();
		const query = parseInput(
			alertsQuerySchema.extend(noticeParams),
			raw,
			"query",
		);
		const result = await alertsPage(deps, query);
		return render(
			c,
			<AlertsPage
				frame={sessionFrame(c, "Alerts")}
				items={result.items}
				next={result.next_cursor}
				query={raw}
				statuses={ALERT_STATUSES}
				severities={ALERT_SEVERITIES}
				returnTo={currentPath(c)}
				notice={noticeText(query.notice, query.count)}
				now={deps.now()}
			/>,
		);
	});

	app.post("/alerts/:id/acknowledge", async (c) => {
		const form = parseInput(replayForm, await c.req.parseBody(), "body");
		const answer = await acknowledge(deps, {
			id: c.req.param("id"),
			reason: form.reason,
			actor: actorOf(c.var.access, c.var.requestId),
		});
		return c.redirect(
			withParams(form.return_to ?? "/admin/alerts", {
				notice: answer.acknowledged ? "acknowledged" : "already_handled",
			}),
			303,
		);
	});
}
