/** URLs the page hands out: a result as a GET on /tap/sync (what downloads and SAMP messages point to, so
 *  TOPCAT fetches it itself) and the download formats the service produces. Pure. */
export const DOWNLOAD_FORMATS: ReadonlyArray<{ format: string; label: string; ext: string }> = [
  { format: 'votable', label: 'VOTable (BINARY2)', ext: 'vot' },
  { format: 'votable/td', label: 'VOTable (TABLEDATA)', ext: 'vot' },
  { format: 'votable/b', label: 'VOTable (BINARY)', ext: 'vot' },
  { format: 'csv', label: 'CSV', ext: 'csv' },
  { format: 'tsv', label: 'TSV', ext: 'tsv' },
];

export function syncUrl(tapUrl: string, query: string, format: string, maxrec?: number): string {
  const p = new URLSearchParams({ REQUEST: 'doQuery', LANG: 'ADQL', RESPONSEFORMAT: format, QUERY: query });
  if (maxrec !== undefined) p.set('MAXREC', String(maxrec));
  return `${tapUrl}/sync?${p.toString()}`;
}
