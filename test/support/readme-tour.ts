/**
 * Reads the README's five-minute tour as a test runs it: the `sh` blocks under its heading are the
 * commands, a `json` block right after one is the (abridged) answer its last command must give. Only the
 * little shell the tour needs is understood (quotes, `$VAR`, `\` line continuations, comments), and only
 * curl's `-sS -X -H -d`: a tour that grows other syntax fails here instead of being silently skipped, and
 * the test needs no curl on the machine.
 */

export interface TourBlock {
  readonly lang: 'sh' | 'json';
  readonly text: string;
}

export interface TourStep {
  /** Each command as its words, after quote removal and variable expansion (unexpanded: `$NAME` kept). */
  readonly commands: readonly (readonly string[])[];
  /** The answer shown after the block, parsed. */
  readonly shown?: unknown;
}

export interface CurlRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** The fenced blocks of the section that starts with `heading`, up to the next heading of its level. */
export function sectionBlocks(markdown: string, heading: string): TourBlock[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) throw new Error(`the README has no "${heading}" heading`);
  const level = heading.split(' ')[0] ?? '##';
  const blocks: TourBlock[] = [];
  for (let i = start + 1; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (line.startsWith(`${level} `)) break;
    const fence = /^```(\w*)\s*$/.exec(line);
    if (!fence) continue;
    const body: string[] = [];
    for (i += 1; i < lines.length && !(lines[i] ?? '').startsWith('```'); i += 1) body.push(lines[i] ?? '');
    const lang = fence[1];
    if (lang !== 'sh' && lang !== 'json')
      throw new Error(`the tour has a \`\`\`${lang} block; only sh and json`);
    blocks.push({ lang, text: body.join('\n') });
  }
  return blocks;
}

/** Pairs each `sh` block with the `json` block that follows it, if any. */
export function tourSteps(blocks: readonly TourBlock[], env: Record<string, string>): TourStep[] {
  const steps: TourStep[] = [];
  blocks.forEach((block, index) => {
    if (block.lang === 'json') {
      if (blocks[index - 1]?.lang !== 'sh') throw new Error('a json block in the tour follows no command');
      return;
    }
    const next = blocks[index + 1];
    steps.push({
      commands: shellCommands(block.text, env),
      ...(next?.lang === 'json' ? { shown: JSON.parse(next.text) } : {}),
    });
  });
  return steps;
}

/**
 * Splits shell text into commands of words: single quotes are literal, double quotes expand `$VAR` and
 * `${VAR}`, an unquoted `#` starting a word comments out the rest of the line, `\` + newline continues it.
 * A variable missing from `env` is kept as written, so the caller can tell which ones a command uses.
 */
export function shellCommands(text: string, env: Record<string, string>): string[][] {
  const source = text.replaceAll('\\\n', ' ');
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  const variable = (at: number): { value: string; end: number } => {
    const match = /^\$(?:\{(\w+)\}|(\w+))/.exec(source.slice(at));
    if (!match) return { value: '$', end: at + 1 };
    const name = (match[1] ?? match[2]) as string;
    return { value: env[name] ?? match[0], end: at + match[0].length };
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '\n') {
      endCommand();
      i += 1;
    } else if (c === ' ' || c === '\t') {
      endWord();
      i += 1;
    } else if (c === '#' && word === undefined) {
      while (i < source.length && source[i] !== '\n') i += 1;
    } else if (c === "'") {
      const close = source.indexOf("'", i + 1);
      if (close < 0) throw new Error(`unclosed ' in: ${source.slice(i, i + 60)}`);
      word = (word ?? '') + source.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      word ??= '';
      i += 1;
      while (source[i] !== '"') {
        if (i >= source.length) throw new Error('unclosed " in the tour');
        if (source[i] === '\\' && ['"', '\\', '$'].includes(source[i + 1] ?? '')) {
          word += source[i + 1];
          i += 2;
        } else if (source[i] === '$') {
          const { value, end } = variable(i);
          word += value;
          i = end;
        } else {
          word += source[i];
          i += 1;
        }
      }
      i += 1;
    } else if (c === '$') {
      const { value, end } = variable(i);
      word = (word ?? '') + value;
      i = end;
    } else if ('|;<>`()'.includes(c)) {
      throw new Error(`the tour uses shell syntax the test does not run: ${c}`);
    } else {
      word = (word ?? '') + c;
      i += 1;
    }
  }
  endCommand();
  return commands;
}

/** The request a `curl` command of the tour sends. */
export function curlRequest(words: readonly string[]): CurlRequest {
  if (words[0] !== 'curl') throw new Error(`not a curl command: ${words.join(' ')}`);
  const headers: Record<string, string> = {};
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  for (let i = 1; i < words.length; i += 1) {
    const word = words[i] as string;
    const value = () => {
      i += 1;
      const next = words[i];
      if (next === undefined) throw new Error(`curl ${word} needs a value`);
      return next;
    };
    if (word === '-sS' || word === '-s' || word === '-S') continue;
    if (word === '-X') method = value();
    else if (word === '-H') {
      const header = value();
      const colon = header.indexOf(':');
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (word === '-d') body = value();
    else if (word.startsWith('-'))
      throw new Error(`the tour's curl uses ${word}; the test knows -sS -X -H -d`);
    else if (url === undefined) url = word;
    else throw new Error(`curl with two URLs: ${url} and ${word}`);
  }
  if (url === undefined) throw new Error(`curl without a URL: ${words.join(' ')}`);
  return {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    url,
    headers,
    ...(body === undefined ? {} : { body }),
  };
}
