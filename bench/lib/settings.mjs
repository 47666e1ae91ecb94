// How long and how often each case runs; read by the harness and printed in the report.

/** Measured rounds per case in a full run. */
export const ROUNDS_FULL = 5
/** Rounds run first and discarded, so every case is measured warm. */
export const WARMUP_ROUNDS_FULL = 1
/** Least measured time per case per round, in a full run. */
export const MIN_CPU_MS_FULL = 120
