/** Scores for the water class from confusion counts: defined once in the api, shared with the app. */
export { scoresFromCounts } from '../../api/metrics.ts';
