/** The floor: one activity of the switch's duration, the least a workflow can do on this server and worker. */
import { proxyActivities } from '@temporalio/workflow';

export async function benchFloorWorkflow(ms: number): Promise<void> {
  const { benchSleep } = proxyActivities<{ benchSleep(ms: number): Promise<void> }>({
    startToCloseTimeout: ms + 60_000,
  });
  await benchSleep(ms);
}
