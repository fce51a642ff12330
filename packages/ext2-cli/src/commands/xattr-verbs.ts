// The extended-attribute verbs, getfattr and setfattr, registered together
// (they share getfattr's text format: show/getfattr-text.ts).
import type { VerbDefinition } from '../cli/verb.js';
import { defineGetfattr } from './getfattr.js';
import { defineSetfattr } from './setfattr.js';

export const defineXattrVerbs: VerbDefinition = (program, run) => {
  defineGetfattr(program, run);
  defineSetfattr(program, run);
};
