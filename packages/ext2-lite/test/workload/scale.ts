// WORKLOAD_SCALE multiplies the seeds (and crash points, concurrent batches,
// exerciser operations) of the verification suites; default 1 (CI size).
export function workloadScale(): number {
  const raw = process.env['WORKLOAD_SCALE'];
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`WORKLOAD_SCALE must be a positive number, got ${raw}`);
  return value;
}
