export type { AdminApiDeps } from "./api.ts";
export { adminApi } from "./api.ts";
export type { AdminDeps } from "./deps.ts";
export { adminPages } from "./pages.tsx";
