export type { AdminApiDeps } from "./api.ts";
export { adminApi } from "./api.ts";
export type { AdminDeps, AdminSettings } from "./deps.ts";
export { adminPages } from "./pages.tsx";
