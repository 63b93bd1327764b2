import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface LayerViolation {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly text: string;
}

/** Modules that do I/O or belong to the shell; `domain/` may import none of them. */
const FORBIDDEN_MODULES: readonly { readonly pattern: RegExp; readonly rule: string }[] = [
  { pattern: /^@aws-sdk\//, rule: 'domain/ may not import the AWS SDK' },
  { pattern: /^aws-lambda$/, rule: 'domain/ may not import aws-lambda' },
  { pattern: /^@middy\//, rule: 'domain/ may not import middy' },
  { pattern: /^(aws-cdk-lib|constructs|aws-cdk)(\/|$)/, rule: 'domain/ may not import CDK' },
  {
    pattern:
      /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|dgram|dns|tls|worker_threads|cluster|readline|os|process|timers|timers\/promises|perf_hooks|stream|inspector|vm)$/,
    rule: 'domain/ may not import Node I/O modules',
  },
  {
    pattern: /^(\.\.\/)+(functions|infra|test|bench)\//,
    rule: 'domain/ may not import functions/, infra/ or tests',
  },
];

/** Ways of reading the clock or the environment: time and configuration are parameters in domain/. */
const FORBIDDEN_CODE: readonly { readonly pattern: RegExp; readonly rule: string }[] = [
  { pattern: /\bDate\.now\s*\(/, rule: 'domain/ may not read the clock (Date.now)' },
  { pattern: /\bnew\s+Date\s*\(\s*\)/, rule: 'domain/ may not read the clock (new Date())' },
  { pattern: /\bperformance\.now\s*\(/, rule: 'domain/ may not read the clock (performance.now)' },
  {
    pattern: /\bprocess\.(env|hrtime|uptime)\b/,
    rule: 'domain/ may not read the environment or process clocks',
  },
  { pattern: /\brequire\s*\(/, rule: 'domain/ may not use require()' },
];

const IMPORT =
  /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/g;

/** Checks one file's text against the domain layer's rules. */
export function layerViolations(file: string, text: string): LayerViolation[] {
  const violations: LayerViolation[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const code = line.replace(/\/\/.*$/, '');
    for (const match of code.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? '';
      const broken = FORBIDDEN_MODULES.find((m) => m.pattern.test(specifier));
      if (broken) violations.push({ file, line: index + 1, rule: broken.rule, text: line.trim() });
    }
    for (const forbidden of FORBIDDEN_CODE) {
      if (forbidden.pattern.test(code))
        violations.push({ file, line: index + 1, rule: forbidden.rule, text: line.trim() });
    }
  });
  return violations;
}

export function domainFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : /\.(ts|js|mts)$/.test(name) ? [path] : [];
    });
  return walk(join(root, 'domain')).map((path) => relative(root, path));
}
