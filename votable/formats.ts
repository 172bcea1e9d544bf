/** The RESPONSEFORMAT values xtap accepts, what each produces and its Content-Type, and the outputFormat list
 *  the TAPRegExt capabilities render. Matching ignores case, spaces and parameter order, and accepts quoted
 *  parameter values. Spec: TAP 1.1 §2.7.1, DALI 1.1 §3.4.3, TAPRegExt 1.0 §2.5. Pure. */
import type { VotableSerialization } from './votable-encoder.js';

export type OutputFormatKind = 'votable' | 'csv' | 'tsv';

/** One outputFormat of the capabilities document. */
export interface OutputFormat {
  kind: OutputFormatKind;
  /** For kind 'votable'. */
  serialization?: VotableSerialization;
  /** The MIME type, also sent as Content-Type when this format is chosen. */
  mime: string;
  /** Short names accepted as RESPONSEFORMAT (rendered as <alias>). */
  aliases: ReadonlyArray<string>;
  /** TAPRegExt standard output format id, where there is one. */
  ivoId?: string;
  /** Further RESPONSEFORMAT spellings accepted but not advertised. */
  accepts?: ReadonlyArray<string>;
}

const TAPREGEXT = 'ivo://ivoa.net/std/TAPRegExt';

/** Every output format, in the order the capabilities list them; the first is the default. */
export const OUTPUT_FORMATS: ReadonlyArray<OutputFormat> = [
  { kind: 'votable', serialization: 'BINARY2', mime: 'application/x-votable+xml', aliases: ['votable'], ivoId: `${TAPREGEXT}#output-votable-binary2` },
  { kind: 'votable', serialization: 'BINARY2', mime: 'application/x-votable+xml;serialization=BINARY2', aliases: ['votable/b2'], ivoId: `${TAPREGEXT}#output-votable-binary2` },
  { kind: 'votable', serialization: 'TABLEDATA', mime: 'application/x-votable+xml;serialization=TABLEDATA', aliases: ['votable/td'], ivoId: `${TAPREGEXT}#output-votable-td` },
  { kind: 'votable', serialization: 'TABLEDATA', mime: 'text/xml', aliases: [], ivoId: `${TAPREGEXT}#output-votable-td` },
  { kind: 'votable', serialization: 'BINARY', mime: 'application/x-votable+xml;serialization=BINARY', aliases: ['votable/b'], ivoId: `${TAPREGEXT}#output-votable-binary` },
  { kind: 'csv', mime: 'text/csv;header=present', aliases: ['csv'], accepts: ['text/csv'] },
  { kind: 'tsv', mime: 'text/tab-separated-values', aliases: ['tsv'] },
];

export const DEFAULT_OUTPUT_FORMAT: OutputFormat = OUTPUT_FORMATS[0] as OutputFormat;

/** Lower-cases, drops spaces, unquotes and sorts MIME parameters: 'Text/CSV; header="present"' → 'text/csv;header=present'. */
export function normalizeMime(s: string): string {
  const [base, ...params] = s.split(';').map((p) => p.trim().toLowerCase());
  const ps = params
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      if (eq < 0) return p;
      const k = p.slice(0, eq).trim();
      const v = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      return `${k}=${v}`;
    })
    .sort();
  return [base ?? '', ...ps].join(';');
}

const BY_NAME = new Map<string, OutputFormat>();
for (const f of OUTPUT_FORMATS) {
  for (const name of [f.mime, ...f.aliases, ...(f.accepts ?? [])]) {
    const key = normalizeMime(name);
    if (!BY_NAME.has(key)) BY_NAME.set(key, f);
  }
}

/** The format for a RESPONSEFORMAT value (absent or empty → the default, BINARY2), or undefined when the value
 *  is not one we produce (the caller answers with an error document). */
export function resolveFormat(responseFormat?: string): OutputFormat | undefined {
  if (responseFormat === undefined || responseFormat.trim() === '') return DEFAULT_OUTPUT_FORMAT;
  return BY_NAME.get(normalizeMime(responseFormat));
}

/** The VOTable versions the encoders write; the first is the default. */
export const VOTABLE_VERSIONS = ['1.4', '1.5'] as const;
export type VotableVersion = (typeof VOTABLE_VERSIONS)[number];

/** What a RESPONSEFORMAT asks for: the format, and for VOTable the version (a `version=` MIME parameter, e.g.
 *  `application/x-votable+xml;version=1.5`), or why it cannot be served. The one place RESPONSEFORMAT is read. */
export type FormatChoice =
  | { ok: true; format: OutputFormat; version: VotableVersion }
  | { ok: false; reason: 'unknown-format'; format: string }
  | { ok: false; reason: 'unknown-version'; version: string };

export function chooseFormat(responseFormat?: string): FormatChoice {
  if (responseFormat === undefined || responseFormat.trim() === '') return { ok: true, format: DEFAULT_OUTPUT_FORMAT, version: VOTABLE_VERSIONS[0] };
  const [base, ...params] = normalizeMime(responseFormat).split(';');
  const versionParam = params.find((p) => p.startsWith('version='));
  const rest = [base, ...params.filter((p) => p !== versionParam)].join(';');
  const format = BY_NAME.get(rest);
  if (!format || (versionParam !== undefined && format.kind !== 'votable')) {
    return { ok: false, reason: 'unknown-format', format: versionParam === undefined ? responseFormat : rest };
  }
  const version = versionParam?.slice('version='.length) ?? VOTABLE_VERSIONS[0];
  if (!(VOTABLE_VERSIONS as ReadonlyArray<string>).includes(version)) return { ok: false, reason: 'unknown-version', version };
  return { ok: true, format, version: version as VotableVersion };
}
