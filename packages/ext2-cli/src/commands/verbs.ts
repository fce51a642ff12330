// Every verb of the command, in the order --help lists them.
import type { VerbDefinition } from '../cli/verb.js';
import { defineAclVerbs } from './acl-verbs.js';
import { defineCat } from './cat.js';
import { defineCheck } from './check.js';
import { defineCp } from './cp.js';
import { defineDf } from './df.js';
import { defineEditVerbs } from './edit-verbs.js';
import { defineFiemap } from './fiemap.js';
import { defineInfo } from './info.js';
import { defineLinkVerbs } from './link-verbs.js';
import { defineLs } from './ls.js';
import { defineMkfs } from './mkfs.js';
import { defineStat } from './stat.js';
import { defineTail } from './tail.js';
import { defineXattrVerbs } from './xattr-verbs.js';

export const VERBS: readonly VerbDefinition[] = [
  defineMkfs,
  defineLs,
  defineCat,
  defineTail,
  defineStat,
  defineXattrVerbs,
  defineAclVerbs,
  defineDf,
  defineInfo,
  defineFiemap,
  defineCheck,
  defineCp,
  defineEditVerbs,
  defineLinkVerbs,
];
