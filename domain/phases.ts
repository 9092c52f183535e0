/** The phases every switchover walks, whatever the service. */
export const PHASES = ['validate', 'preflight', 'trigger', 'await', 'verify', 'record', 'done'] as const;
export type Phase = (typeof PHASES)[number];
