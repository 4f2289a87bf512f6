/**
 * MediaPipe Face Mesh index sets used by the metrics (METRICS.md, "Landmark index sets").
 * Order matters for LIPS (pair order of lip dynamics) and for the INNER_UPPER / INNER_LOWER
 * pairing (silent lip stability pairs them element by element).
 */
export const LIPS: readonly number[] = [
  0, 13, 14, 17, 37, 39, 40, 61, 78, 80, 81, 82, 84, 87, 88, 91, 95, 146, 178, 181, 185, 191, 267,
  269, 270, 291, 308, 310, 311, 312, 314, 317, 318, 321, 324, 375, 402, 405, 409, 415,
];
export const INNER_UPPER: readonly number[] = [191, 80, 81, 82, 13, 312, 311, 310];
export const INNER_LOWER: readonly number[] = [95, 88, 178, 87, 14, 317, 402, 318];
export const LEFT_BROW: readonly number[] = [276, 282, 283, 285, 293, 295, 296, 300, 334, 336];
export const LEFT_EYE: readonly number[] = [
  249, 263, 362, 373, 374, 380, 381, 382, 384, 385, 386, 387, 388, 390, 398, 466,
];
export const RIGHT_BROW: readonly number[] = [46, 52, 53, 55, 63, 65, 66, 70, 105, 107];
export const RIGHT_EYE: readonly number[] = [
  7, 33, 133, 144, 145, 153, 154, 155, 157, 158, 159, 160, 161, 163, 173, 246,
];

/** Eye corners used by silent lip stability (33, 263) and lip sync (33, 133 | 362, 263). */
export const R_EYE_OUTER = 33;
export const R_EYE_INNER = 133;
export const L_EYE_INNER = 362;
export const L_EYE_OUTER = 263;
