/** AppError carries an HTTP status and a stable code; the one error handler turns it into `{error, message}`. */
export const ERROR_CODES = {
	bad_request: 400,
	invalid_json: 400,
	validation_failed: 400,
	unauthorized: 401,
	invalid_signature: 401,
	forbidden: 403,
	not_found: 404,
	conflict: 409,
	payload_too_large: 413,
	unsupported_media_type: 415,
	idempotency_key_reused: 422,
	rate_limited: 429,
	internal: 500,
	service_unavailable: 503,
	/** The database is unreachable or refusing writes: nothing was stored, retry later. */
	database_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
	readonly code: ErrorCode;
	readonly status: number;
	/** Extra, client-safe detail such as per-field validation errors. */
	readonly details: unknown;

	constructor(
		code: ErrorCode,
		message: string,
		options?: { cause?: unknown; details?: unknown },
	) {
		super(
			message,
			options?.cause === undefined ? undefined : { cause: options.cause },
		);
		this.name = "AppError";
		this.code = code;
		this.status = ERROR_CODES[code];
		this.details = options?.details;
	}
}
