/** The one shape of the event representation maps (E–t and dEdT): 24 time rows × 16 energy columns (Dillmann et
 *  al. 2025's defaults), stored row-major (time-major: element [iT * energyBins + iE]). ml/representations bins
 *  with it, schema/ml/events.ts publishes it as an arraysize, the products draw it. No imports. */
export const EVENT_MAP_SHAPE = Object.freeze({ timeBins: 24, energyBins: 16 } as const);

/** VOTable arraysize of a stored map: VOTable lists the fastest-varying dimension first, so energy × time. */
export const EVENT_MAP_ARRAYSIZE = `${EVENT_MAP_SHAPE.energyBins}x${EVENT_MAP_SHAPE.timeBins}`;
