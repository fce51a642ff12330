// The POSIX ACL verbs, getfacl and setfacl, as one entry of verbs.ts.
import type { VerbDefinition } from '../cli/verb.js';
import { defineGetfacl } from './getfacl.js';
import { defineSetfacl } from './setfacl.js';

export const defineAclVerbs: VerbDefinition = (program, run) => {
  defineGetfacl(program, run);
  defineSetfacl(program, run);
};
