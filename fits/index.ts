/** Public surface of fits/: a hand-written FITS reader (headers + binary tables) and the X-ray event-list view. */
export { FitsError } from './errors.js';
export type { FitsErrorCode, FitsErrorPlace } from './errors.js';
export { FitsHeader, parseCard, BLOCK_LENGTH, CARD_LENGTH } from './header.js';
export type { FitsCard, FitsValue } from './header.js';
export { BinTable, getBit, parseTform } from './bintable.js';
export type { ColumnValues, FitsColumn, NumericArray, TformCode } from './bintable.js';
export { FitsFile, readFits } from './read-fits.js';
export type { FitsHdu, HduType, ReadFitsOptions } from './read-fits.js';
export { ACIS_EV_PER_PI, readEventList } from './event-list.js';
export type { EnergySource, EventList, EventListHeader } from './event-list.js';
export { formatCard, writeFits } from './write-fits.js';
export type { WriteColumn, WriteFitsInput, WriteImage, WriteTable, WriteValues } from './write-fits.js';
