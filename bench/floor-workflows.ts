/** The floor workflow alone (BENCH_WORKFLOWS=floor-workflows.ts BENCH_FLOOR_ONLY=1): what a bare bundle costs. */
export { benchFloorWorkflow } from './floor';
