import * as z from 'zod';
import { id, name } from './event-fields.ts';

/**
 * Release-health signals: alerts and metric samples (issue 19). When a signal happened is the
 * CloudEvents `time` of its envelope, so the data carries no timestamp of its own.
 */

/** An alert that started (`alert.fired`) or ended (`alert.resolved`) for a service in an environment. */
export const AlertSchema = z.looseObject({
  alertId: id,
  name,
  service: name,
  environment: name,
  // Free text: Alertmanager rules say `critical`/`warning`, CloudWatch has none, teams use `sev2`.
  severity: name.optional(),
});
export type Alert = z.infer<typeof AlertSchema>;

/** One sample of a metric of a service in an environment; a batch of samples is one batch request. */
export const MetricObservedSchema = z.looseObject({
  service: name,
  environment: name,
  metric: name,
  value: z.number().finite(),
  unit: name.optional(),
});
export type MetricObserved = z.infer<typeof MetricObservedSchema>;

export const healthEventSchemas = {
  'alert.fired': AlertSchema,
  'alert.resolved': AlertSchema,
  'metric.observed': MetricObservedSchema,
} as const;
