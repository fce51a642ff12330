// @iomap/ext2-lite — the public API. Every export is listed here explicitly.
// The on-disk decoders in format/ stay internal until the mount API exists;
// only the feature vocabulary is public, so tools can name what an image uses.

export { COMPAT, INCOMPAT, RO_COMPAT, describeFeatures } from './format/features.js';
export type { FeatureWords } from './format/features.js';
