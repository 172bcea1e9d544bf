import { describe, expect, it } from 'vitest';
import { parseVotableDocument, queryStatus } from './decoder.js';
import { errorVotable } from './error-document.js';

describe('errorVotable', () => {
  it('is a VOTable whose results RESOURCE holds QUERY_STATUS=ERROR with the message as text', () => {
    const msg = 'syntax error at line 2, column 5: expected FROM, found "<" & more\ncontext';
    const xml = errorVotable(msg, { infos: [{ name: 'QUERY', value: 'SELECT a\n< b' }, { name: 'QUERY_STATUS', value: 'OK' }] });
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    const doc = parseVotableDocument(xml);
    expect(doc.version).toBe('1.4');
    expect(doc.resources).toHaveLength(1);
    expect(doc.resources[0]!.type).toBe('results');
    expect(queryStatus(doc)).toEqual({ status: 'ERROR', message: msg });
    expect(doc.resources[0]!.infos.map((i) => i.name)).toEqual(['QUERY_STATUS', 'QUERY']);
    expect(doc.resources[0]!.infos[1]!.value).toBe('SELECT a\n< b');
  });

  it('drops characters XML 1.0 forbids', () => {
    expect(queryStatus(parseVotableDocument(errorVotable('bad\u0000 byte\u001b')))?.message).toBe('bad byte');
  });
});
