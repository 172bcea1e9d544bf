/** Public surface of server/products/: DataLink product endpoints of event files (light curve, spectrum, map previews). */
export { DEFAULT_SPECTRUM, MAX_PRODUCT_BINS, PRODUCTS_PATH, registerProductRoutes } from './routes.js';
export type { ProductDeps } from './routes.js';
export { renderMapPng, viridis } from './png.js';
export type { MapImageOptions } from './png.js';
export { renderPlotPng } from './png.js';
export type { PlotAxis, PlotOptions } from './png.js';
export { MODELS_PATH, modelCardUrl, registerModelCardRoutes } from './model-card.js';
