/** The phases every switchover walks, whatever the service. */
export const PHASES = [
  'validate',
  'scheduled',
  'preflight',
  'approval',
  'trigger',
  'await',
  'verify',
  'record',
  'done',
] as const;
export type Phase = (typeof PHASES)[number];
