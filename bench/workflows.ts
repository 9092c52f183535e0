/**
 * The workflows a benchmark worker runs: every switchover workflow, plus the floor (bench/floor.ts) that
 * bench/scale.ts compares with.
 */
export * from '../workflows';
export { benchFloorWorkflow } from './floor';
