/**
 * Alerts: the rules of PRODUCT §7 (rules.ts), one evaluation pass over them (evaluate.ts), and
 * raising an alert with its notice, dead deliveries' included (raise.ts). The SQL is in store/alerts.
 */
export type { AlertEvaluation, AlertEvaluationDeps } from "./evaluate.ts";
export { evaluateAlertRules } from "./evaluate.ts";
export { raiseAlert, raiseDeadLetter } from "./raise.ts";
