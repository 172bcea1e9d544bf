/** A row as the encoders take it: an array of values in select-list order (int8 as bigint, timestamp as ISO
 *  text). db/ produces rows of this shape and re-exports the type. */
export type Row = unknown[];
