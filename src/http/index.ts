export { bearerToken, hasBearer, safeEqual } from "./bearer.ts";
export type { AppEnv } from "./env.ts";
export { errorResponse, notFound, onError } from "./errors.ts";
export { noStore } from "./no-store.ts";
export { isProbeMark, markProbes, PROBE_HEADER, probeMark } from "./probe.ts";
export { readBody } from "./raw-body.ts";
export { requestContext } from "./request-context.ts";
export type { Unstorable } from "./storable.ts";
export {
	findUnstorable,
	isStorableText,
	jsonNumbersFit,
	LATEST_STORABLE_MS,
	refuseUnstorable,
	storableDate,
} from "./storable.ts";
