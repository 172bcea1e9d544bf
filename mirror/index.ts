/** Public surface of mirror/: harvesting CSC2 tables from another TAP service (`xtap mirror`). */
export { mirrorTap } from './mirror.js';
export type { MirrorReport, MirrorRequest } from './mirror.js';
export { MirrorError } from './errors.js';
export type { MirrorErrorCode } from './errors.js';
export { MIRROR_TABLES } from './plan.js';
