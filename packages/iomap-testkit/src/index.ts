// @iomap/testkit — the public API. Every export is listed here explicitly.

export { SeededRandom } from './seeded-random.js';
export type { AllocationPattern } from './block-allocator.js';
export { ExtentMapFs } from './extent-map-fs.js';
export type { ExtentMapFsOptions, ExtentMapInode, ExtentInfo, ExtentMapFsStats } from './extent-map-fs-types.js';
export type {
  ExtentWritebackOps,
  ExtentWritebackOptions,
  ExtentWritebackCall,
  ExtentDirectIoOptions,
  ExtentEngineFs,
} from './extent-engine-ops.js';
export { IomapOpsSpy, describeIomapOp, describeIomapFlags } from './iomap-ops-spy.js';
export type { IomapCall } from './iomap-ops-spy.js';
export { referenceRead, referenceWrite, referenceZeroRange } from './reference-io.js';
export type { ReferenceIoOptions } from './reference-io.js';
export { FaultDevice, DeviceViolationError } from './fault-device.js';
export type {
  DeviceOpKind,
  FaultRule,
  FaultDeviceOptions,
  DeviceViolation,
  FaultDeviceCounters,
  FaultRuleHandle,
} from './fault-device.js';
export { CrashDevice } from './crash-device.js';
export type { CrashLogEntry } from './crash-log.js';
export type { CrashStatesOptions, CrashState, CrashWriteOutcome } from './crash-states.js';
export { exercise } from './exercise.js';
export { FileModel } from './exercise-model.js';
export { ExerciseFailure } from './exercise-failure.js';
export type { ExerciseDiff, ExerciseFailureKind } from './exercise-failure.js';
export type {
  ExerciseTarget,
  ExerciseSubject,
  ExerciseOp,
  ExerciseOpKind,
  ExerciseOptions,
  ExerciseReport,
} from './exercise-types.js';
export { extentMapFsTarget } from './extent-map-fs-target.js';
export type { ExtentMapFsTargetOptions } from './extent-map-fs-target.js';
export { patternBytes, sameBytes } from './pattern-bytes.js';
export { PassThroughDevice } from './pass-through-device.js';
