/** Every workflow type the worker registers (bundled: deterministic code only). */
export { dcsMasterStandbySwitchover } from './dcs';
export { progressQuery } from './switchover';
