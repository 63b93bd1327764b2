import { DEFAULT_DORA_DEFINITIONS, type DoraDefinitions } from '../../domain/dora/definitions.ts';

/**
 * The DORA definitions' configuration: `LEDGER_DORA_PRODUCTION_ENVIRONMENTS` (comma-separated names)
 * and `LEDGER_DORA_INCIDENT_GAP_HOURS`. Kept beside functions/config.ts rather than in it only while
 * that file is being edited for the digest sealer; it belongs there.
 */
export function readDoraDefinitions(env: NodeJS.ProcessEnv = process.env): DoraDefinitions {
  const environments = (env.LEDGER_DORA_PRODUCTION_ENVIRONMENTS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const gap = Number(env.LEDGER_DORA_INCIDENT_GAP_HOURS);
  return {
    productionEnvironments:
      environments.length > 0 ? environments : DEFAULT_DORA_DEFINITIONS.productionEnvironments,
    incidentGapHours: Number.isFinite(gap) && gap >= 0 ? gap : DEFAULT_DORA_DEFINITIONS.incidentGapHours,
  };
}
