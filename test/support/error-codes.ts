import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ERROR_CODES } from '../../src/base/error-codes.js';
import { EXIT } from '../../src/base/errors.js';

/** One code a source makes an error with: where, and whether as a usage error (exit 2). */
export interface ThrownCode {
  readonly code: string;
  readonly file: string;
  readonly line: number;
  /** Made as a usage error (exit 2) or as a failure; undefined for a `code:` literal, which may become either. */
  readonly usage?: boolean;
}

/** The index just past the string literal that opens at `i` (templates with `${...}` included). */
function skipString(source: string, i: number): number {
  const quote = source[i];
  for (i++; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === quote) return i + 1;
    else if (quote === '`' && c === '$' && source[i + 1] === '{') i = skipCode(source, i + 2, '}') - 1;
  }
  return i;
}

/** The index just past the `close` that ends the code starting at `i` (brackets and strings skipped). */
function skipCode(source: string, i: number, close: string): number {
  const pairs: Record<string, string> = { '(': ')', '{': '}', '[': ']' };
  while (i < source.length) {
    const c = source[i]!;
    if (c === close) return i + 1;
    if (c === "'" || c === '"' || c === '`') i = skipString(source, i);
    else if (pairs[c]) i = skipCode(source, i + 1, pairs[c]!);
    else i++;
  }
  return i;
}

/** A call's arguments, split at its top-level commas; `start` is just after its `(`. */
function argumentsAt(source: string, start: number): string[] {
  const args: string[] = [];
  let from = start;
  let i = start;
  const pairs: Record<string, string> = { '(': ')', '{': '}', '[': ']' };
  while (i < source.length && source[i] !== ')') {
    const c = source[i]!;
    if (c === ',') {
      args.push(source.slice(from, i));
      from = ++i;
    } else if (c === "'" || c === '"' || c === '`') i = skipString(source, i);
    else if (pairs[c]) i = skipCode(source, i + 1, pairs[c]!);
    else i++;
  }
  args.push(source.slice(from, i));
  return args.map((a) => a.trim()).filter((a) => a !== '');
}

const CODE_LITERAL = /'([A-Z][A-Za-z]+)'/g;

/**
 * Every error code a TypeScript source makes: the literal codes of `new ToolError(...)` (before
 * its message), the second argument of `new UsageError(...)` (UsageError when there is none),
 * Interrupted for `new InterruptedError(`, the code a ToolError subclass passes to `super(`, and the `code:`/`failureCode:` literals of the
 * problem objects that become errors.
 */
export function thrownCodes(file: string, source: string): ThrownCode[] {
  const found: ThrownCode[] = [];
  const lineOf = (index: number) => source.slice(0, index).split('\n').length;
  for (const m of source.matchAll(/new (ToolError|UsageError|InterruptedError)\(/g)) {
    const args = argumentsAt(source, m.index! + m[0].length);
    const line = lineOf(m.index!);
    if (m[1] === 'InterruptedError') found.push({ code: 'Interrupted', file, line, usage: false });
    else if (m[1] === 'UsageError') {
      const code = args.length > 1 ? /^'([A-Za-z]+)'$/.exec(args[1]!)?.[1] : 'UsageError';
      found.push({ code: code ?? `(not a literal: ${args[1]})`, file, line, usage: true });
    } else {
      // the code is the first argument: a literal, or a choice between literals
      const codes = [...(args[0] ?? '').matchAll(CODE_LITERAL)].map((c) => c[1]!);
      for (const code of codes) found.push({ code, file, line, usage: false });
    }
  }
  // a subclass of ToolError names its code in its constructor's super call
  if (/extends ToolError\b/.test(source)) {
    for (const m of source.matchAll(/\bsuper\(\s*'([A-Z][A-Za-z]+)'/g)) found.push({ code: m[1]!, file, line: lineOf(m.index!), usage: false });
  }
  for (const m of source.matchAll(/\b(?:code|failureCode):\s*(?:[^,}\n]*\?\s*)?'([A-Z][A-Za-z]+)'(?:\s*:\s*'([A-Z][A-Za-z]+)')?/g)) {
    for (const code of [m[1], m[2]]) if (code) found.push({ code, file, line: lineOf(m.index!) });
  }
  return found;
}

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out.sort();
}

/** Every code made under root (src/), with where. */
export async function thrownCodesUnder(root: string): Promise<ThrownCode[]> {
  const all: ThrownCode[] = [];
  for (const path of await sources(root)) all.push(...thrownCodes(relative(root, path).split(sep).join('/'), await readFile(path, 'utf8')));
  return all;
}

export const ERROR_LIST_START = '<!-- error-codes: generated from src/base/error-codes.ts ERROR_CODES; a unit test checks it -->';
export const ERROR_LIST_END = '<!-- /error-codes -->';

/** The error-code table docs/cli.md holds between its markers, rendered from the registry. */
export function errorCodesTable(): string {
  const exitName = (exit: number) => `${exit}${exit === EXIT.usage ? ' (usage)' : exit === EXIT.interrupted ? ' (interrupted)' : ''}`;
  const rows = Object.entries(ERROR_CODES).map(([code, { exit, meaning }]) => `| \`${code}\` | ${exitName(exit)} | ${meaning.replace(/\|/g, '\\|')} |`);
  return ['| code | exit | meaning |', '|---|---|---|', ...rows].join('\n');
}
