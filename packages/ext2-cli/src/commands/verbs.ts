// Every verb of the command, in the order --help lists them.
import type { VerbDefinition } from '../cli/verb.js';
import { defineCat } from './cat.js';
import { defineCheck } from './check.js';
import { defineCp } from './cp.js';
import { defineDf } from './df.js';
import { defineEditVerbs } from './edit-verbs.js';
import { defineFiemap } from './fiemap.js';
import { defineGetfacl } from './getfacl.js';
import { defineInfo } from './info.js';
import { defineLinkVerbs } from './link-verbs.js';
import { defineLs } from './ls.js';
import { defineMkfs } from './mkfs.js';
import { defineSetfacl } from './setfacl.js';
import { defineStat } from './stat.js';
import { defineTail } from './tail.js';

export const VERBS: readonly VerbDefinition[] = [
  defineMkfs,
  defineLs,
  defineCat,
  defineTail,
  defineStat,
  defineGetfacl,
  defineSetfacl,
  defineDf,
  defineInfo,
  defineFiemap,
  defineCheck,
  defineCp,
  defineEditVerbs,
  defineLinkVerbs,
];
