/** A SAMP Web Profile client (SAMP 1.3 §5; no maintained npm package exists): registers with the hub that TOPCAT,
 *  Aladin or DS9 runs on http://localhost:21012/, then broadcasts table.load.votable / image.load.fits with the
 *  URL of a result, so the desktop tool fetches it itself. The hub asks the user to accept the page once. */
import { loadImageMessage, loadVotableMessage, xmlRpcCall } from './lib/samp-xmlrpc.js';
import type { XmlRpcValue } from './lib/samp-xmlrpc.js';

const HUB = 'http://localhost:21012/';
let privateKey: string | undefined;

async function call(method: string, params: ReadonlyArray<XmlRpcValue>): Promise<Document> {
  const res = await fetch(HUB, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: xmlRpcCall(method, params) });
  const doc = new DOMParser().parseFromString(await res.text(), 'application/xml');
  const fault = doc.querySelector('fault');
  if (fault) throw new Error(`SAMP hub: ${fault.textContent?.trim() ?? 'fault'}`);
  return doc;
}

async function register(): Promise<string> {
  if (privateKey) return privateKey;
  const doc = await call('samp.webhub.register', [{ 'samp.name': 'xtap' }]);
  const key = Array.from(doc.querySelectorAll('member'))
    .find((m) => m.querySelector('name')?.textContent === 'samp.private-key')
    ?.querySelector('value')?.textContent?.trim();
  if (!key) throw new Error('SAMP hub: registration refused');
  privateKey = key;
  await call('samp.webhub.declareMetadata', [key, { 'samp.name': 'xtap', 'samp.description.text': 'Chandra Source Catalog 2 TAP service web page' }]);
  return key;
}

/** Broadcasts a table or image URL to every SAMP client; throws with a readable message when no hub runs. */
export async function sendToSamp(url: string, name: string, kind: 'table' | 'image'): Promise<void> {
  let key: string;
  try {
    key = await register();
  } catch (e) {
    throw new Error(`No SAMP hub answered at ${HUB} (start TOPCAT or Aladin first): ${(e as Error).message}`);
  }
  await call('samp.webhub.notifyAll', [key, kind === 'table' ? loadVotableMessage(url, name) : loadImageMessage(url, name)]);
}
