/** Public surface of votable/: streaming encoders (VOTable TABLEDATA/BINARY2/BINARY, CSV, TSV), the DALI
 *  error document, output formats for RESPONSEFORMAT and capabilities, and the VOTable reader. */
export { encodeVotable, effectiveNullValues, TABLEDATA_DIALECT } from './votable-encoder.js';
export type { VotableEncodeOptions, VotableSerialization, EncodeSummary } from './votable-encoder.js';
export { encodeCsv, encodeTsv, quoteCsv, escapeTsv } from './csv-encoder.js';
export type { TextEncodeOptions } from './csv-encoder.js';
export { CHANDRA_MET_TIMESYS, isPositionField } from './document.js';
export type { VotableDocInfo, VotableInfo, VotableCoosys, VotableTimesys, VotableParamSpec, ServiceDescriptor, FieldRef } from './document.js';
export type { EncoderColumn } from './column-codecs.js';
export { errorVotable } from './error-document.js';
export type { ErrorVotableOptions } from './error-document.js';
export { OUTPUT_FORMATS, DEFAULT_OUTPUT_FORMAT, resolveFormat, normalizeMime } from './formats.js';
export type { OutputFormat, OutputFormatKind } from './formats.js';
export { parseVotable, parseVotableDocument, queryStatus } from './decoder.js';
export type {
  VotableLimits,
  VotableTable,
  VotableField,
  VotableParam,
  VotableInfoElement,
  VotableGroup,
  VotableResource,
  VotableResourceInfo,
  VotableDocument,
  VotableCoosysElement,
  VotableTimesysElement,
} from './decoder.js';
export { VotableError } from './errors.js';
export type { VotableErrorCode } from './errors.js';
export { escapeXmlText, escapeXmlAttr, stripXmlIllegal } from './xml.js';
