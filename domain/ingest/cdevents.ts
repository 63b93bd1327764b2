import * as z from 'zod';
import { type NativeEventType, nativeEventSchemas, SeveritySchema } from '../events/native-events.ts';
import { lifecycleMappings } from './cdevents/lifecycle.ts';
import { specContentIssues } from './cdevents/spec-content.ts';
import { zodIssues } from './field-issues.ts';

/**
 * Maps CDEvents (https://cdevents.dev, spec 0.4.x and 0.5.x) onto native ledger events.
 *
 * What the two spec versions differ in, as far as this mapping cares:
 * - the spec version lives in `context.version` in 0.4 and in `context.specversion` in 0.5 (cdevents/spec#273);
 * - `subject.type` is required in 0.4 and was removed in 0.5 (cdevents/spec#262);
 * - event types moved up one minor version (e.g. `service.deployed.0.2.0` → `0.3.0`);
 * - `testSuiteRun finished` outcomes are `pass|fail|cancel|error` in 0.4 and `success|failure|cancel|error` in 0.5.
 * `context.chainId` is copied into the native data as `chainId` (it links test runs to releases);
 * `context.links` and `context.schemaUri` are accepted and kept verbatim in the original, not interpreted.
 * Every type of both lines is field-checked against its line's spec schema first (`cdevents/spec-content.ts`),
 * then mapped (lifecycle subjects: `cdevents/lifecycle.ts`); types without a native counterpart
 * (`service.published`, `service.removed`, custom `dev.cdeventsx.*`) become `cdevent.recorded`.
 *
 * Pure: no I/O, no clock, no environment.
 */

export interface CdEventIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

export interface MappedCdEvent {
  readonly type: NativeEventType;
  /** Parsed with `nativeEventSchemas[type]`. */
  readonly data: Record<string, unknown>;
  /** The full CDEvent type, e.g. `dev.cdevents.service.deployed.0.2.0`. */
  readonly cdeventType: string;
  /** The CDEvents spec version the event declares (`0.4.x` or `0.5.x`). */
  readonly specVersion: string;
  readonly id: string;
  readonly source: string;
  readonly time: string;
  readonly subject?: string;
}

export type CdEventMapping =
  | { readonly ok: true; readonly event: MappedCdEvent }
  | {
      readonly ok: false;
      readonly issues: CdEventIssue[];
      /** Set when the event declares a spec version outside the supported lines. */
      readonly code?: 'unsupported_spec_version';
    };

/** The CDEvents spec lines the ledger validates against. */
export const SUPPORTED_SPEC_LINES = ['0.4.x', '0.5.x'] as const;

type Path = (string | number)[];

const CDEVENT_TYPE_PREFIX = 'dev.cdevents.';
/** Released 0.4 and 0.5 versions only: drafts (`0.5.0-draft`) changed shape while in development. */
const SUPPORTED_SPEC_VERSION = /^0\.[45]\.(0|[1-9]\d*)$/;
const CUSTOM_DRAFT_SPEC_VERSION = /^0\.5\.0-draft$/;
/** `dev.cdevents.<subject>.<predicate>.<major>.<minor>.<patch>` (the event's own schema version). */
const CDEVENT_TYPE = /^dev\.cdevents\.([a-z]+)\.([a-z]+)\.(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
/** Custom events: `dev.cdeventsx.<tool>-<subject>.<predicate>.<major>.<minor>.<patch>` (CDEvents 0.4+). */
const CUSTOM_CDEVENT_TYPE =
  /^dev\.cdeventsx\.([a-z0-9]+)-([a-zA-Z0-9]+)\.([a-zA-Z0-9]+)\.(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

const CUSTOM_CDEVENT_TYPE_PREFIX = 'dev.cdeventsx.';

/** CloudEvent or CDEvent `type` in the CDEvents namespace (custom `dev.cdeventsx.*` included). */
export function isCdEventType(type: string): boolean {
  return type.startsWith(CDEVENT_TYPE_PREFIX) || type.startsWith(CUSTOM_CDEVENT_TYPE_PREFIX);
}

/** A raw CDEvent (structured JSON): an object with `context` and `subject` objects. */
export function looksLikeCdEvent(body: unknown): boolean {
  return isRecord(body) && isRecord(body.context) && isRecord(body.subject);
}

// ---------------------------------------------------------------------------------------------------------
// Envelope

const required = (what: string) => (issue: { readonly input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

const text = z.string({ error: required('a string') });
const nonEmpty = text.trim().min(1, 'must not be empty');
const object = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.looseObject(shape, { error: required('an object') });

/**
 * `links/embeddedlinksarray`: each item is an END, PATH or RELATION link (`linkType`); RELATION requires
 * `linkKind` and `target`, PATH requires `from`, and `from`/`target` carry a non-empty `contextId`.
 * `tags` is any object.
 */
const LINK_TYPES = ['END', 'PATH', 'RELATION'] as const;
const LinkEndpoint = object({ contextId: nonEmpty });
const LinkSchema = z.discriminatedUnion(
  'linkType',
  [
    object({ linkType: z.literal('END'), from: LinkEndpoint.optional(), tags: object({}).optional() }),
    object({ linkType: z.literal('PATH'), from: LinkEndpoint, tags: object({}).optional() }),
    object({
      linkType: z.literal('RELATION'),
      linkKind: nonEmpty,
      target: object({ contextId: nonEmpty.optional() }),
      tags: object({}).optional(),
    }),
  ],
  {
    error: (issue) => (issue.input === undefined ? 'is required' : `must be one of ${LINK_TYPES.join(', ')}`),
  },
);

const ContextSchema = object({
  /** 0.5 name of the spec version. */
  specversion: nonEmpty.optional(),
  /** 0.4 name of the spec version. */
  version: nonEmpty.optional(),
  id: nonEmpty,
  source: nonEmpty,
  type: nonEmpty,
  timestamp: z.iso.datetime({ offset: true, error: required('an RFC 3339 timestamp') }),
  /** `format: uri`, minLength 1; it names the producer's own schema and is never fetched. */
  schemaUri: z.url({ error: required('a URI') }).optional(),
  chainId: nonEmpty.optional(),
  links: z.array(LinkSchema, { error: required('an array of links') }).optional(),
});

const SubjectSchema = object({
  id: nonEmpty,
  source: text.optional(),
  /** Required in 0.4 (checked with the spec version), removed in 0.5. */
  type: text.optional(),
  /** Required by every type's schema in both lines. */
  content: object({}),
});

const EnvelopeSchema = z.looseObject(
  {
    context: ContextSchema,
    subject: SubjectSchema,
    /** A JSON object, or a base64 string when `customDataContentType` is not JSON. */
    customData: z
      .union([z.looseObject({}), z.string()], { error: 'must be an object or a base64 string' })
      .optional(),
    customDataContentType: text.optional(),
  },
  { error: 'a CDEvent must be a JSON object with context and subject' },
);

type Envelope = z.output<typeof EnvelopeSchema>;

// ---------------------------------------------------------------------------------------------------------
// Subject content per event type (only the fields the ledger reads; the rest is kept verbatim in `original`)

const RefSchema = object({ id: nonEmpty, source: text.optional() });

/** service.deployed / upgraded / rolledback: `environment` and `artifactId` are required in 0.4 and 0.5. */
const ServiceContentSchema = object({ environment: RefSchema, artifactId: nonEmpty });

/** incident.detected / reported: `environment` is required; `ticketURI` (format uri) is required for reported only. */
const IncidentContentSchema = object({
  description: text.optional(),
  environment: RefSchema,
  service: RefSchema.optional(),
  artifactId: nonEmpty.optional(),
  ticketURI: z.url({ error: required('a URI') }).optional(),
});

const IncidentReportedContentSchema = IncidentContentSchema.extend({
  ticketURI: z.url({ error: required('a URI') }),
});

/** incident.resolved: `environment` is required, as for detected and reported. */
const IncidentResolvedContentSchema = object({
  description: text.optional(),
  environment: RefSchema,
  service: RefSchema.optional(),
  artifactId: nonEmpty.optional(),
});

const PASSED_OUTCOMES = ['pass', 'success'] as const;
const TEST_OUTCOMES = [...PASSED_OUTCOMES, 'fail', 'failure', 'cancel', 'error'] as const;
const TEST_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** The line's own outcome vocabulary is checked by `spec-content.ts` (0.4 `pass|fail|…`, 0.5 `success|failure|…`). */
const TestSuiteRunContentSchema = object({
  outcome: z.enum(TEST_OUTCOMES, { error: required(`one of ${TEST_OUTCOMES.join(', ')}`) }),
  environment: RefSchema,
  testSuite: object({ id: nonEmpty, version: text.optional(), uri: text.optional() }).optional(),
  severity: z.enum(TEST_SEVERITIES, { error: required(`one of ${TEST_SEVERITIES.join(', ')}`) }).optional(),
  reason: text.optional(),
});

const ChangeContentSchema = object({ repository: RefSchema.optional() });

const ArtifactContentSchema = object({ sbom: object({ uri: text.optional() }).optional() });

// ---------------------------------------------------------------------------------------------------------
// Mapping

interface MapperInput {
  readonly contextId: string;
  readonly cdeventType: string;
  readonly subjectId: string;
  readonly content: unknown;
  readonly customData: Readonly<Record<string, unknown>> | undefined;
}

type Mapped =
  | {
      readonly ok: true;
      readonly type: NativeEventType;
      readonly data: Record<string, unknown>;
      /** Where each native field came from in the CDEvent, to report native schema issues precisely. */
      readonly origins: Readonly<Record<string, Path>>;
    }
  | { readonly ok: false; readonly issues: CdEventIssue[] };

type Mapper = (input: MapperInput) => Mapped;

const MAPPERS: ReadonlyMap<string, Mapper> = new Map<string, Mapper>([
  ['service.deployed', (input) => mapServiceDeployment(input, false)],
  ['service.upgraded', (input) => mapServiceDeployment(input, false)],
  ['service.rolledback', (input) => mapServiceDeployment(input, true)],
  ['incident.detected', (input) => mapIncidentOpened(input, IncidentContentSchema)],
  ['incident.reported', (input) => mapIncidentOpened(input, IncidentReportedContentSchema)],
  ['incident.resolved', mapIncidentResolved],
  ['testsuiterun.finished', mapTestSuiteRunFinished],
  ['change.merged', mapChangeMerged],
  ['artifact.published', mapArtifactPublished],
  ['service.published', mapRecorded],
  ['service.removed', mapRecorded],
  ...[...lifecycleMappings].map(([name, mapping]): [string, Mapper] => [
    name,
    (input) => {
      const content = parseContent(mapping.schema, input.content ?? {});
      if (!content.ok) return content;
      return {
        ok: true,
        type: mapping.type,
        data: compact(
          mapping.data({ subjectId: input.subjectId, content: content.value, customData: input.customData }),
        ),
        origins: mapping.origins ?? {},
      };
    },
  ]),
]);

/** Recorded as it came: the ledger has no native type to project it onto. */
function mapRecorded(input: MapperInput): Mapped {
  const releaseId = optionalCustomString(input.customData, 'releaseId');
  if (!releaseId.ok) return releaseId;
  return {
    ok: true,
    type: 'cdevent.recorded',
    data: compact({ cdeventType: input.cdeventType, subjectId: input.subjectId, releaseId: releaseId.value }),
    origins: { subjectId: ['subject', 'id'], releaseId: ['customData', 'releaseId'] },
  };
}

/** `<subject>.<predicate>` of the CDEvent types this module maps. */
export const supportedCdEventTypes: readonly string[] = [...MAPPERS.keys()];

/** Validates a raw CDEvent (context + subject [+ customData]) and maps it onto a native event. */
export function mapCdEvent(cdevent: unknown): CdEventMapping {
  const envelope = EnvelopeSchema.safeParse(cdevent);
  if (!envelope.success) return { ok: false, issues: zodIssues(envelope.error.issues) };
  const { context, subject, customData } = envelope.data;

  const issues: CdEventIssue[] = [];
  const specVersion = checkSpecVersion(context, issues, context.type.startsWith(CUSTOM_CDEVENT_TYPE_PREFIX));
  if (specVersion === 'unsupported') return { ok: false, issues, code: 'unsupported_spec_version' };
  // 0.4 schemas require `subject.type` (removed in 0.5).
  if (specVersion?.startsWith('0.4.') && subject.type === undefined)
    issues.push({ path: ['subject', 'type'], message: 'is required in CDEvents 0.4' });
  const checked = checkType(context.type, issues);
  if (specVersion === undefined || checked === undefined || issues.length > 0) return { ok: false, issues };
  const { mapper, name } = checked;
  // Every type of the lines is field-checked against its spec schema before the ledger reads anything from it.
  if (name !== undefined) {
    const contentIssues = specContentIssues(
      name,
      specVersion.startsWith('0.4.') ? '0.4' : '0.5',
      subject.content,
    );
    if (contentIssues.length > 0) return { ok: false, issues: contentIssues };
  }

  const input: MapperInput = {
    contextId: context.id,
    cdeventType: context.type,
    subjectId: subject.id,
    content: subject.content,
    customData: isRecord(customData) ? customData : undefined,
  };
  const mapped = mapper(input);
  let native = mapped.ok ? nativeOf(mapped, context.chainId) : mapped;
  if (!native.ok && !native.issues.every((issue) => issue.path[0] === 'customData')) {
    // The event is valid by its spec schema, but lacks what the ledger needs to project it (a versioned
    // purl to name the release, a service): it is recorded as it came, saying why, never refused.
    // Issues only in customData are the ledger's own conventions misused by the producer: those stay 400.
    const recorded = mapRecorded(input);
    if (recorded.ok)
      native = nativeOf(
        { ...recorded, data: { ...recorded.data, notProjected: notProjectedReason(native.issues) } },
        context.chainId,
      );
  }
  if (!native.ok) return native;
  const parsed = native;
  return {
    ok: true,
    event: {
      type: parsed.type,
      data: parsed.data,
      cdeventType: context.type,
      specVersion,
      id: context.id,
      source: context.source,
      time: context.timestamp,
      subject: subject.id,
    },
  };
}

type Native =
  | { readonly ok: true; readonly type: NativeEventType; readonly data: Record<string, unknown> }
  | { readonly ok: false; readonly issues: CdEventIssue[] };

/** The mapped event checked against its native schema, issues reported at the CDEvent's own paths. */
function nativeOf(mapped: Extract<Mapped, { ok: true }>, chainId: string | undefined): Native {
  const chained = chainId === undefined ? mapped.data : { ...mapped.data, chainId };
  const parsed = nativeEventSchemas[mapped.type].safeParse(chained);
  if (parsed.success) return { ok: true, type: mapped.type, data: parsed.data as Record<string, unknown> };
  return {
    ok: false,
    issues: zodIssues(parsed.error.issues).map((issue) => {
      const [field, ...rest] = issue.path;
      const origin = typeof field === 'string' ? mapped.origins[field] : undefined;
      return origin === undefined ? issue : { path: [...origin, ...rest], message: issue.message };
    }),
  };
}

/** Why a spec-valid event could not be projected, e.g. `subject.content.artifactId: the purl has no version`. */
function notProjectedReason(issues: readonly CdEventIssue[]): string {
  return issues
    .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    .join('; ')
    .slice(0, 1000);
}

/**
 * 0.5 calls the field `specversion`, 0.4 calls it `version`. Either name is accepted for either version, so a
 * producer that already renamed the field (or has not yet) is not rejected for it; the value decides.
 */
function checkSpecVersion(
  context: Envelope['context'],
  issues: CdEventIssue[],
  custom: boolean,
): string | 'unsupported' | undefined {
  const { specversion, version } = context;
  if (specversion === undefined && version === undefined) {
    issues.push({
      path: ['context', 'specversion'],
      message: 'is required (context.specversion in CDEvents 0.5, context.version in 0.4)',
    });
    return undefined;
  }
  if (specversion !== undefined && version !== undefined && specversion !== version) {
    issues.push({
      path: ['context', 'version'],
      message: `'${version}' disagrees with context.specversion '${specversion}'`,
    });
    return undefined;
  }
  const field = specversion !== undefined ? 'specversion' : 'version';
  const value = specversion ?? version ?? '';
  // A custom event is judged as a CDEvent context only, whose shape the 0.5 drafts did not change: the
  // spec's own v0.4.1 custom-event example declares `0.5.0-draft`.
  const supported = SUPPORTED_SPEC_VERSION.test(value) || (custom && CUSTOM_DRAFT_SPEC_VERSION.test(value));
  if (!supported) {
    issues.push({
      path: ['context', field],
      message: `unsupported CDEvents spec version '${value}'; supported lines: ${SUPPORTED_SPEC_LINES.join(', ')}`,
    });
    return 'unsupported';
  }
  return value;
}

/** The type's mapper, and its `<subject>.<predicate>` (undefined for a custom type, which has no spec schema). */
function checkType(
  type: string,
  issues: CdEventIssue[],
): { readonly mapper: Mapper; readonly name?: string } | undefined {
  if (type.startsWith(CUSTOM_CDEVENT_TYPE_PREFIX)) {
    if (CUSTOM_CDEVENT_TYPE.test(type)) return { mapper: mapRecorded };
    issues.push({
      path: ['context', 'type'],
      message: `'${type}' is not a custom CDEvent type (dev.cdeventsx.<tool>-<subject>.<predicate>.<major>.<minor>.<patch>)`,
    });
    return undefined;
  }
  const match = CDEVENT_TYPE.exec(type);
  if (!isCdEventType(type) || match === null) {
    issues.push({
      path: ['context', 'type'],
      message: `'${type}' is not a CDEvent type (dev.cdevents.<subject>.<predicate>.<major>.<minor>.<patch>)`,
    });
    return undefined;
  }
  const name = `${match[1]}.${match[2]}`;
  const mapper = MAPPERS.get(name);
  if (mapper === undefined) {
    issues.push({
      path: ['context', 'type'],
      message: `unsupported CDEvent type '${name}'; supported: ${supportedCdEventTypes.join(', ')}`,
    });
    return undefined;
  }
  return { mapper, name };
}

/**
 * service.deployed / upgraded / rolledback → deployment.succeeded. The service is the subject, the version
 * comes from the artifact's purl. CDEvents have no deployment id, so the CDEvent's own `context.id` stands in
 * for it: every CDEvent is then its own deployment, and re-sending the same CDEvent is the same deployment.
 */
function mapServiceDeployment(input: MapperInput, rollback: boolean): Mapped {
  const content = parseContent(ServiceContentSchema, input.content);
  if (!content.ok) return content;
  const artifactPath: Path = ['subject', 'content', 'artifactId'];
  const purl = purlAt(content.value.artifactId, artifactPath);
  if (!purl.ok) return purl;
  if (purl.purl.version === undefined)
    return failure(
      artifactPath,
      'the purl has no version (pkg:type/name@version), so the release is unknown',
    );
  return {
    ok: true,
    type: 'deployment.succeeded',
    data: compact({
      deploymentId: input.contextId,
      service: input.subjectId,
      environment: content.value.environment.id,
      version: purl.purl.version,
      artifactId: content.value.artifactId,
      planned: !rollback,
      rollback: rollback ? true : undefined,
    }),
    origins: {
      deploymentId: ['context', 'id'],
      service: ['subject', 'id'],
      environment: ['subject', 'content', 'environment', 'id'],
      version: artifactPath,
      artifactId: artifactPath,
    },
  };
}

/** incident.detected / reported → incident.opened. */
function mapIncidentOpened(
  input: MapperInput,
  schema: z.ZodType<z.output<typeof IncidentContentSchema>>,
): Mapped {
  const content = parseContent(schema, input.content);
  if (!content.ok) return content;
  const { description, environment, service, artifactId, ticketURI } = content.value;

  let serviceName = service?.id;
  let serviceOrigin: Path = ['subject', 'content', 'service', 'id'];
  if (serviceName === undefined && artifactId !== undefined) {
    serviceOrigin = ['subject', 'content', 'artifactId'];
    const purl = purlAt(artifactId, serviceOrigin);
    if (!purl.ok) return purl;
    serviceName = purl.purl.name;
  }
  if (serviceName === undefined)
    return failure(
      ['subject', 'content', 'service'],
      'is required when there is no purl artifactId to name the service',
    );

  const reported = input.customData?.severity;
  const severity = SeveritySchema.safeParse(
    typeof reported === 'string' ? reported.trim().toLowerCase() : reported,
  );
  return {
    ok: true,
    type: 'incident.opened',
    data: compact({
      incidentId: input.subjectId,
      service: serviceName,
      environment: environment.id,
      severity: severity.success ? severity.data : 'sev3',
      severityDefaulted: severity.success ? undefined : true,
      // CDEvents has no severity scale; keep what the producer said when it is not one of ours.
      reportedSeverity: !severity.success && typeof reported === 'string' ? reported : undefined,
      title: description,
      ticketURI,
      artifactId,
    }),
    origins: {
      incidentId: ['subject', 'id'],
      service: serviceOrigin,
      environment: ['subject', 'content', 'environment', 'id'],
      title: ['subject', 'content', 'description'],
    },
  };
}

/** incident.resolved → incident.resolved. */
function mapIncidentResolved(input: MapperInput): Mapped {
  const content = parseContent(IncidentResolvedContentSchema, input.content ?? {});
  if (!content.ok) return content;
  const { description, environment, service, artifactId } = content.value;
  return {
    ok: true,
    type: 'incident.resolved',
    data: compact({
      incidentId: input.subjectId,
      environment: environment?.id,
      service: service?.id,
      resolution: description,
      artifactId,
    }),
    origins: { incidentId: ['subject', 'id'] },
  };
}

/**
 * testsuiterun.finished → tests.completed. A testSuiteRun names no artifact in 0.4 or 0.5, so the release
 * comes from `customData.releaseId`, else from a purl in `customData.artifactId` as `<name>@<version>`, the
 * id the ledger gives implicit releases (the spec schema allows no `subject.content.artifactId`); else the
 * run is stored under its own stream and linked at read time by its chain (see `release-links.ts`).
 */
function mapTestSuiteRunFinished(input: MapperInput): Mapped {
  const content = parseContent(TestSuiteRunContentSchema, input.content);
  if (!content.ok) return content;
  const { outcome, testSuite, severity, reason, environment } = content.value;

  // The spec makes `testSuite` optional: a run that names no suite is filed as a suite of its own, named
  // by the run's id, so a valid event is never refused for it.
  const suite = testSuite?.id ?? input.subjectId;

  const customReleaseId = optionalCustomString(input.customData, 'releaseId');
  if (!customReleaseId.ok) return customReleaseId;
  const customArtifactId = optionalCustomString(input.customData, 'artifactId');
  if (!customArtifactId.ok) return customArtifactId;

  let releaseId = customReleaseId.value;
  let releaseOrigin: Path = ['customData', 'releaseId'];
  const artifact =
    customArtifactId.value !== undefined
      ? { id: customArtifactId.value, path: ['customData', 'artifactId'] }
      : undefined;
  if (releaseId === undefined && artifact !== undefined) {
    const purl = purlAt(artifact.id, artifact.path);
    if (!purl.ok) return purl;
    if (purl.purl.version === undefined)
      return failure(
        artifact.path,
        'the purl has no version (pkg:type/name@version), so the release is unknown',
      );
    releaseId = `${purl.purl.name}@${purl.purl.version}`;
    releaseOrigin = artifact.path;
  }
  // Without a releaseId the run is still stored: its chain or artifact may link it to a release later.

  const total = input.customData?.total;
  const failedCount = input.customData?.failedCount;
  return {
    ok: true,
    type: 'tests.completed',
    data: compact({
      releaseId,
      suite,
      passed: (PASSED_OUTCOMES as readonly string[]).includes(outcome),
      outcome,
      total,
      failedCount,
      severity,
      reason,
      url: testSuite?.uri,
      environment: environment?.id,
      testSuiteRunId: input.subjectId,
      artifactId: artifact?.id,
    }),
    origins: {
      releaseId: releaseOrigin,
      suite: testSuite ? ['subject', 'content', 'testSuite', 'id'] : ['subject', 'id'],
      total: ['customData', 'total'],
      failedCount: ['customData', 'failedCount'],
    },
  };
}

/**
 * change.merged → change.merged. `repository` is `{ id, source }` in both 0.4 and 0.5 (optional). A change
 * has no commit sha in CDEvents; `customData.sha` is used when the producer adds one.
 */
function mapChangeMerged(input: MapperInput): Mapped {
  const content = parseContent(ChangeContentSchema, input.content ?? {});
  if (!content.ok) return content;
  const sha = optionalCustomString(input.customData, 'sha');
  if (!sha.ok) return sha;
  const service = optionalCustomString(input.customData, 'service');
  if (!service.ok) return service;
  return {
    ok: true,
    type: 'change.merged',
    data: compact({
      changeId: input.subjectId,
      repository: content.value.repository?.id,
      repositorySource: content.value.repository?.source,
      sha: sha.value,
      service: service.value,
    }),
    origins: {
      changeId: ['subject', 'id'],
      repository: ['subject', 'content', 'repository', 'id'],
      sha: ['customData', 'sha'],
      service: ['customData', 'service'],
    },
  };
}

/** artifact.published → artifact.published. The subject id is the artifact's purl. */
function mapArtifactPublished(input: MapperInput): Mapped {
  const content = parseContent(ArtifactContentSchema, input.content ?? {});
  if (!content.ok) return content;
  const purl = purlAt(input.subjectId, ['subject', 'id']);
  if (!purl.ok) return purl;
  return {
    ok: true,
    type: 'artifact.published',
    data: compact({
      artifactId: input.subjectId,
      service: purl.purl.name,
      version: purl.purl.version,
      sbomUri: content.value.sbom?.uri,
    }),
    origins: { artifactId: ['subject', 'id'], service: ['subject', 'id'], version: ['subject', 'id'] },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Package URLs (https://github.com/package-url/purl-spec): pkg:type/namespace/name@version?qualifiers#subpath

export interface Purl {
  readonly type: string;
  readonly namespace?: string;
  readonly name: string;
  readonly version?: string;
}

export type PurlParse =
  | { readonly ok: true; readonly purl: Purl }
  | { readonly ok: false; readonly message: string };

const PURL_TYPE = /^[A-Za-z.+-][A-Za-z0-9.+-]*$/;

/**
 * Parses the parts of a purl the ledger needs. The version is what follows the last '@' of the path (before
 * '?' and '#'), percent-decoded: `pkg:oci/myapp@sha256%3Aab12?repository_url=...` has version `sha256:ab12`.
 * An '@' that opens a path segment is an (unencoded) npm scope, not a version: `pkg:npm/@scope/name`.
 */
export function parsePurl(value: string): PurlParse {
  if (!/^pkg:/i.test(value))
    return { ok: false, message: "must be a package URL (purl) starting with 'pkg:'" };
  let rest = value.slice('pkg:'.length);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const query = rest.indexOf('?');
  if (query >= 0) rest = rest.slice(0, query);
  rest = rest.replace(/^\/+/, '').replace(/\/+$/, '');

  const slash = rest.indexOf('/');
  const type = slash >= 0 ? rest.slice(0, slash) : rest;
  if (!PURL_TYPE.test(type))
    return { ok: false, message: 'the purl has no valid type (pkg:type/name@version)' };
  let path = slash >= 0 ? rest.slice(slash + 1) : '';

  let rawVersion: string | undefined;
  const at = path.lastIndexOf('@');
  if (at > 0 && path[at - 1] !== '/') {
    rawVersion = path.slice(at + 1);
    path = path.slice(0, at);
  }
  const lastSlash = path.lastIndexOf('/');
  const rawName = path.slice(lastSlash + 1);
  const rawNamespace = lastSlash >= 0 ? path.slice(0, lastSlash) : undefined;

  const name = decode(rawName);
  const version = rawVersion === undefined ? undefined : decode(rawVersion);
  const namespace = rawNamespace === undefined ? undefined : decode(rawNamespace);
  if (name === null || version === null || namespace === null)
    return { ok: false, message: 'the purl has malformed percent-encoding' };
  if (name.trim() === '') return { ok: false, message: 'the purl has no name (pkg:type/name@version)' };
  if (version !== undefined && version.trim() === '')
    return { ok: false, message: "the purl has an empty version after '@'" };
  return {
    ok: true,
    purl: {
      type: type.toLowerCase(),
      name,
      ...(namespace ? { namespace } : {}),
      ...(version !== undefined ? { version } : {}),
    },
  };
}

function decode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

function purlAt(value: string, path: Path): { ok: true; purl: Purl } | { ok: false; issues: CdEventIssue[] } {
  const parsed = parsePurl(value);
  return parsed.ok ? parsed : { ok: false, issues: [{ path, message: parsed.message }] };
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

function parseContent<T extends z.ZodType>(
  schema: T,
  content: unknown,
): { ok: true; value: z.output<T> } | { ok: false; issues: CdEventIssue[] } {
  const parsed = schema.safeParse(content);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, issues: zodIssues(parsed.error.issues, ['subject', 'content']) };
}

function optionalCustomString(
  customData: Readonly<Record<string, unknown>> | undefined,
  key: string,
): { ok: true; value: string | undefined } | { ok: false; issues: CdEventIssue[] } {
  const value = customData?.[key];
  if (value === undefined) return { ok: true, value: undefined };
  if (typeof value === 'string' && value.trim() !== '') return { ok: true, value: value.trim() };
  return { ok: false, issues: [{ path: ['customData', key], message: 'must be a non-empty string' }] };
}

function failure(path: Path, message: string): { ok: false; issues: CdEventIssue[] } {
  return { ok: false, issues: [{ path, message }] };
}

/** Drops undefined fields: native data is hashed as canonical JSON and should say only what is known. */
function compact(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
