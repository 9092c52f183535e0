import type { CloudError } from '../domain/failures';
import type { Facts, PreflightReport } from '../domain/reports';

/**
 * Builds a service's preflight answer: `refuse` (nothing will be sent) or `proceed`. `facts` (for display) and
 * `state` (for the later phases) are taken by reference, so a service may fill them in before answering.
 */
export function preflightAnswer<S>(observedAt: number, facts: Facts, state: S) {
  return {
    refuse: (refusal: string, cloudError?: CloudError): PreflightReport<S> => ({
      ok: false,
      refusal,
      summary: `refused: ${refusal}`,
      cloudError,
      observedAt,
      facts,
      state,
    }),
    proceed: (summary: string): PreflightReport<S> => ({ ok: true, summary, observedAt, facts, state }),
  };
}
