/** XML-RPC request bodies for the SAMP Web Profile (SAMP 1.3 §5): the hub listens on http://localhost:21012/ and
 *  speaks XML-RPC; a web client registers, declares metadata, then sends notifications. Pure. */
export type XmlRpcValue = string | ReadonlyArray<XmlRpcValue> | { readonly [k: string]: XmlRpcValue };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function value(v: XmlRpcValue): string {
  if (typeof v === 'string') return `<value><string>${esc(v)}</string></value>`;
  if (Array.isArray(v)) return `<value><array><data>${v.map(value).join('')}</data></array></value>`;
  const members = Object.entries(v as Record<string, XmlRpcValue>)
    .map(([k, x]) => `<member><name>${esc(k)}</name>${value(x)}</member>`)
    .join('');
  return `<value><struct>${members}</struct></value>`;
}

export function xmlRpcCall(method: string, params: ReadonlyArray<XmlRpcValue>): string {
  return `<?xml version="1.0"?><methodCall><methodName>${esc(method)}</methodName><params>${params
    .map((p) => `<param>${value(p)}</param>`)
    .join('')}</params></methodCall>`;
}

/** The SAMP message that loads a VOTable from a URL in TOPCAT, Aladin or DS9's table tools. */
export function loadVotableMessage(url: string, name: string): XmlRpcValue {
  return { 'samp.mtype': 'table.load.votable', 'samp.params': { url, 'table-id': url, name } };
}

/** The SAMP message that loads an image (PNG or FITS) from a URL. */
export function loadImageMessage(url: string, name: string): XmlRpcValue {
  return { 'samp.mtype': 'image.load.fits', 'samp.params': { url, 'image-id': url, name } };
}
