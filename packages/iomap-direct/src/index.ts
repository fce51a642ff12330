// @iomap/direct — the public API. Every export is listed here explicitly.

export { dioRw } from './dio-rw.js';
export { dioStart } from './dio-start.js';
export { dioComplete } from './dio-complete.js';
export { DioHandle } from './dio-handle.js';
export {
  IocbFlags,
  DioFlags,
  DIO_QUEUED,
  DEFAULT_DIO_QUEUE_DEPTH,
  DEFAULT_DIO_MAX_REQUEST_BYTES,
  DIO_MAX_ZERO_BLOCK,
} from './iocb.js';
export type { DirectIocb } from './iocb.js';
export { dioLock, dioRwLocked, dioWriteNeedsExclusive } from './dio-lock.js';
export type { DioLockGrant } from './dio-lock.js';
export { inodeDioWait, inodeDioCount } from './inode-dio.js';
export { dioSubmitRequest, deviceCanWriteThrough } from './submit-request.js';
