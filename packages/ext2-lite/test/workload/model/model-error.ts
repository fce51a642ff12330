// An error the model predicts: the Node error code a local Linux filesystem
// gives for the same call (ENOENT, EEXIST, ... or Node's own ERR_FS_EISDIR).
export class ModelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ModelError';
  }
}

export function fail(code: string, message: string): never {
  throw new ModelError(code, message);
}
