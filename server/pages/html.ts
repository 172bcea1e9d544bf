/** A minimal HTML builder for the human-facing pages: every text and attribute value is escaped, void elements
 *  are written `<meta ... />` and all others with an explicit end tag, so the output is at once well-formed XHTML
 *  (DALI examples must parse as XML) and correct HTML5. Pure; no templates, no external assets. */

/** Markup that is already safe to embed (built by `el` or a trusted constant). */
export interface Html {
  readonly html: string;
}

export type Child = Html | string | number | null | undefined | false | ReadonlyArray<Child>;

const VOID = new Set(['meta', 'link', 'br', 'hr', 'img', 'input', 'wbr']);

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes text and double-quoted attribute values with the entities XML and HTML share (so a query keeps its
 *  apostrophes verbatim in the page source). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ENTITIES[c] ?? c);
}

/** Trusted constant markup (e.g. the doctype); never pass request or data text. */
export function trusted(markup: string): Html {
  return { html: markup };
}

function render(child: Child): string {
  if (child === null || child === undefined || child === false) return '';
  if (Array.isArray(child)) return child.map((c: Child) => render(c)).join('');
  if (typeof child === 'string') return escapeHtml(child);
  if (typeof child === 'number') return String(child);
  return (child as Html).html;
}

/** An element; attributes with undefined/false values are left out, `true` writes name="name". */
export function el(tag: string, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): Html {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => ` ${k}="${escapeHtml(v === true ? k : String(v))}"`)
    .join('');
  if (VOID.has(tag)) return { html: `<${tag}${a} />` };
  return { html: `<${tag}${a}>${render(children)}</${tag}>` };
}

/** Renders children (strings escaped) into markup. */
export function fragment(...children: Child[]): Html {
  return { html: render(children) };
}

/** Inline text where `back-quoted` spans become <code> (descriptions are data, not markup). */
export function withCode(text: string): Html {
  const parts = text.split('`');
  return fragment(parts.map((p, i) => (i % 2 === 1 ? el('code', {}, p) : p)));
}

/** The shared stylesheet: small, system fonts, readable line length, dark mode. */
export const PAGE_CSS = `
:root { color-scheme: light dark; --fg: #1d232a; --bg: #ffffff; --muted: #5b6570; --accent: #0b5cad; --code: #f3f5f7; --line: #d8dee4; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ec; --bg: #14181c; --muted: #9aa4ad; --accent: #6fb0ff; --code: #1e242a; --line: #2c343c; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1.5rem 1.25rem 4rem; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { border-bottom: 1px solid var(--line); margin-bottom: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: .25rem; }
a { color: var(--accent); }
.lead { color: var(--muted); margin-top: 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; background: var(--code); border-radius: 4px; }
code { padding: .05em .3em; }
pre { padding: .75rem 1rem; overflow-x: auto; border: 1px solid var(--line); line-height: 1.4; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; }
dl.endpoints dt { font-weight: 600; margin-top: .6rem; }
dl.endpoints dd { margin-left: 1.25rem; }
section.example { border-top: 1px solid var(--line); padding-top: .5rem; }
.meta { color: var(--muted); font-size: .92em; }
nav ol { columns: 2; padding-left: 1.25rem; }
footer { margin-top: 3rem; color: var(--muted); font-size: .9em; border-top: 1px solid var(--line); padding-top: 1rem; }
`;
