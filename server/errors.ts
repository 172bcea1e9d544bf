/** DaliError lives in query/ (the pipeline raises it); server/ code imports it from here. */
export { DaliError } from '../query/errors.js';
export type { DaliErrorCode } from '../query/errors.js';
