/**
 * The edition the tiers' thresholds come from: DORA's 2025 report replaced the clusters with team
 * archetypes, so every metrics answer names the edition it was judged by.
 */
export const TIERS = { edition: '2023' } as const;

/** The release-health targets beside the DORA five (issue 19). */
export const RELEASE_HEALTH_TARGETS = {
  rollbackRate: { below: 0.02 },
  /** The median first-day ratio at most 10 % above baseline (ratio ≤ 1.10). */
  postReleaseAlertVolume: { below: 0.1 },
} as const;

/** Whether post-release alert volume meets its target (median ratio ≤ 1.10); null without samples. */
export function alertVolumeMet(medianRatio: number | null): boolean | null {
  return medianRatio === null ? null : medianRatio <= 1 + RELEASE_HEALTH_TARGETS.postReleaseAlertVolume.below;
}

/** Whether a rollback rate meets its target (< 2 %); null when there is no rate. */
export function rollbackRateMet(rate: number | null): boolean | null {
  return rate === null ? null : rate < RELEASE_HEALTH_TARGETS.rollbackRate.below;
}

/** DORA 2023 performance levels (State of DevOps 2023, the "elite/high/medium/low" clusters). */
export type Tier = 'elite' | 'high' | 'medium' | 'low';

const HOUR = 3600;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;

/** At least daily, weekly, monthly; `perDay` is successful production deployments per day. */
export function frequencyTier(perDay: number): Tier {
  if (perDay >= 1) return 'elite';
  if (perDay * 7 >= 1) return 'high';
  if (perDay * 30 >= 1) return 'medium';
  return 'low';
}

/** Under a day, a week, a month. */
export function leadTimeTier(medianSeconds: number | null): Tier | null {
  if (medianSeconds === null) return null;
  if (medianSeconds < DAY) return 'elite';
  if (medianSeconds < WEEK) return 'high';
  if (medianSeconds < MONTH) return 'medium';
  return 'low';
}

/** At most 5%, 10%, 15%. */
export function changeFailureTier(rate: number | null): Tier | null {
  if (rate === null) return null;
  if (rate <= 0.05) return 'elite';
  if (rate <= 0.1) return 'high';
  if (rate <= 0.15) return 'medium';
  return 'low';
}

/** Under an hour, a day, a week. */
export function recoveryTier(medianSeconds: number | null): Tier | null {
  if (medianSeconds === null) return null;
  if (medianSeconds < HOUR) return 'elite';
  if (medianSeconds < DAY) return 'high';
  if (medianSeconds < WEEK) return 'medium';
  return 'low';
}
