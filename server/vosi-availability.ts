/** VOSI availability document (VOSI 1.1 §3.2). */
import { create } from 'xmlbuilder2';

export function availabilityXml(available: boolean, upSince: Date, note: string): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele('http://www.ivoa.net/xml/VOSIAvailability/v1.0', 'vosi:availability');
  doc.ele('http://www.ivoa.net/xml/VOSIAvailability/v1.0', 'vosi:available').txt(String(available));
  doc.ele('http://www.ivoa.net/xml/VOSIAvailability/v1.0', 'vosi:upSince').txt(upSince.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  doc.ele('http://www.ivoa.net/xml/VOSIAvailability/v1.0', 'vosi:note').txt(note);
  return doc.end({ prettyPrint: true });
}
