/** XML text helpers shared by the encoders and the decoder: escaping for element text and attribute values
 *  (dropping characters XML 1.0 forbids, §2.2), and decoding of the predefined and numeric character
 *  references. Pure. */

// With the u flag, [\uD800-\uDFFF] matches only unpaired surrogates, which XML 1.0 forbids.
const TEXT_NEEDS = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/u;
const TEXT_ALL = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu;
const ATTR_NEEDS = /[&<>"\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/u;
const ATTR_ALL = /[&<>"\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu;

function replaceChar(ch: string): string {
  switch (ch) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '"':
      return '&quot;';
    // XML parsers turn a raw CR into LF (XML 1.0 §2.11) and TAB/LF in attributes into spaces (§3.3.3);
    // character references survive both.
    case '\r':
      return '&#13;';
    case '\n':
      return '&#10;';
    case '\t':
      return '&#9;';
    default:
      return ''; // a character XML 1.0 does not allow at all
  }
}

/** Escapes element text content; strips characters that XML 1.0 does not allow. */
export function escapeXmlText(s: string): string {
  return TEXT_NEEDS.test(s) ? s.replace(TEXT_ALL, replaceChar) : s;
}

/** Escapes a value for a double-quoted attribute; strips characters that XML 1.0 does not allow. */
export function escapeXmlAttr(s: string): string {
  return ATTR_NEEDS.test(s) ? s.replace(ATTR_ALL, replaceChar) : s;
}

/** Removes characters that XML 1.0 forbids, leaving everything else alone (for round-trip expectations). */
export function stripXmlIllegal(s: string): string {
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu, '');
}

const ENTITY = /&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;

/** Decodes the five predefined entities and numeric character references; other text is left as is. */
export function decodeXmlEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(ENTITY, (m: string, e: string) => {
    switch (e) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default: {
        const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
      }
    }
  });
}
