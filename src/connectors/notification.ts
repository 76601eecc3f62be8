/** The notify payload both message connectors (Slack, e-mail) read, checked before anything is sent. */
import { z } from "zod";
import { NOTIFICATION_KINDS, type Notification } from "../core/index.ts";

/** An optional field: JSON has no `undefined`, so a stored payload may carry `null` for "unknown". */
const optional = <T extends z.ZodType>(schema: T) =>
	schema.nullish().transform((value) => value ?? undefined);

export const notificationSchema = z.object({
	kind: z.enum(NOTIFICATION_KINDS),
	severity: z.enum(["info", "warning", "critical"]),
	title: z.string(),
	text: z.string(),
	fields: z.array(z.object({ label: z.string(), value: z.string() })),
	link: optional(z.string()),
	quote: optional(z.string()),
	alert_id: optional(z.string()),
}) satisfies z.ZodType<Notification>;
