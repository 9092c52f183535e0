/** Every workflow type the worker registers (bundled: deterministic code only). */
export { dcsMasterStandbySwitchover } from './dcs';
export { dwsDisasterRecoverySwitchover } from './dws';
export { drsVipSwitchover } from './drs';
export { progressQuery } from './switchover';
export { notifySwitchoverOutcome } from './notify';
export { recordSwitchoverOutcome } from './record';
export { approveUpdate, rejectUpdate } from './approval';
export { switchoverPlan, planProgressQuery, planReportQuery } from './plan';
