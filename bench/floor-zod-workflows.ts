/** The floor workflow with zod in its bundle (BENCH_WORKFLOWS=floor-zod-workflows.ts BENCH_FLOOR_ONLY=1). */
import { z } from 'zod';
import { benchFloorWorkflow as floor } from './floor';

const schema = z.object({ ms: z.number().int().min(0) });

export async function benchFloorWorkflow(ms: number): Promise<void> {
  await floor(schema.parse({ ms }).ms);
}
