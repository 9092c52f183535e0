import type { SimulatorControl } from './control';

/** Fixed, readable IDs of the demo resources (`--seed-demo`, `npm start`). */
export const DEMO_PROJECT_ID = '0605767a3300d5762fb7c0186d7ff0a5';

export const DEMO_IDS = {
  dcs: {
    /** ha, RUNNING: swaps in about 1 s. */
    ha: 'dcs-demo-ha-0001',
    /** ha, RUNNING, a slower swap (5 s) to watch progress. */
    haSlow: 'dcs-demo-ha-slow-0002',
    /** single node: swap refused with DCS.4855. */
    single: 'dcs-demo-single-0003',
    /** ha but stuck in RESTARTING: swap refused with DCS.4049 until patched back to RUNNING. */
    restarting: 'dcs-demo-restarting-0004',
  },
  /** running, synchronized every 60 s; switchover takes 3 s. */
  dwsDisasterRecovery: 'dws-demo-dr-0001',
  /** INCRE_TRANSFER_STARTED; a VIP switch takes 2 s. */
  drsJob: 'drs-demo-job-0001',
} as const;

export interface DemoSeed {
  projectId: string;
  dcsInstanceIds: string[];
  dcs: typeof DEMO_IDS.dcs;
  dwsDisasterRecoveryId: string;
  drsJobId: string;
}

/** Creates the demo resources in `projectId` and returns their IDs. */
export function seedDemo(control: SimulatorControl, projectId: string = DEMO_PROJECT_ID): DemoSeed {
  const ids = DEMO_IDS.dcs;
  control.createDcsInstance({ projectId, instanceId: ids.ha, name: 'demo-redis-ha' });
  control.createDcsInstance({
    projectId,
    instanceId: ids.haSlow,
    name: 'demo-redis-ha-slow',
    swapBehaviour: { initMs: 1000, runMs: 4000 },
  });
  control.createDcsInstance({
    projectId,
    instanceId: ids.single,
    name: 'demo-redis-single',
    cacheMode: 'single',
  });
  control.createDcsInstance({
    projectId,
    instanceId: ids.restarting,
    name: 'demo-redis-restarting',
    status: 'RESTARTING',
  });
  control.createDwsDisasterRecovery({
    projectId,
    drId: DEMO_IDS.dwsDisasterRecovery,
    name: 'demo-dws-dr',
    syncPeriodSeconds: 60,
    lastSuccessAgeSeconds: 20,
    behaviour: { switchMs: 3000 },
  });
  control.createDrsJob({
    projectId,
    jobId: DEMO_IDS.drsJob,
    name: 'demo-drs-mysql-sync',
    behaviour: { switchMs: 2000 },
  });
  return {
    projectId,
    dcsInstanceIds: Object.values(ids),
    dcs: { ...ids },
    dwsDisasterRecoveryId: DEMO_IDS.dwsDisasterRecovery,
    drsJobId: DEMO_IDS.drsJob,
  };
}
