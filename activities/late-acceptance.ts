/**
 * After a trigger that may have reached the cloud (timeout or reset after connecting, 5xx, a worker that died
 * mid-send), how long the trigger keeps looking for the switch before it ends `unknown`; it never sends again.
 *
 * Default 120 s: a request is accepted late when a gateway or backend queue still holds it after the client gave
 * up. The API gateway gives a backend at most 60 s, so anything it still forwards arrives within that; 120 s
 * covers that twice over, which is also eight of the default 15 s request timeouts (SWITCHOVER_REQUEST_TIMEOUT_MS).
 * Longer windows cost only time in the rare ambiguous case; a shorter one ends `unknown` sooner.
 */
export const DEFAULT_LATE_ACCEPTANCE_WINDOW_MS = 120_000;
/** The trigger's look attempt runs inside one activity of at most 15 min: the window must fit in it. */
export const MAX_LATE_ACCEPTANCE_WINDOW_MS = 10 * 60_000;
