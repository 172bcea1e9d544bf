/** The ADQL editor: CodeMirror 6 with lang-sql in an ADQL dialect (ADQL 2.1 words, standard functions, and the
 *  service's own functions once the capabilities are read), history, completion, Ctrl/Cmd-Enter to run, and an
 *  error mark at the line and column a DALI error names. Styles go through adopted stylesheets (or a <style> with
 *  the page's CSP nonce), so the page needs no 'unsafe-inline'. */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { SQLDialect, sql } from '@codemirror/lang-sql';
import type { SQLNamespace } from '@codemirror/lang-sql';
import { Compartment, EditorState, StateEffect, StateField } from '@codemirror/state';
import type { Extension } from '@codemirror/state';
import { Decoration, EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import type { DecorationSet } from '@codemirror/view';
import { ADQL_FUNCTIONS, ADQL_KEYWORDS, ADQL_TYPES } from './lib/adql.js';
import { errorPosition, offsetOf } from './lib/error-position.js';

const setError = StateEffect.define<{ from: number; to: number } | null>();
const errorMark = Decoration.mark({ class: 'cm-adql-error' });

const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    let next = deco.map(tr.changes);
    if (tr.docChanged) next = Decoration.none;
    for (const e of tr.effects) {
      if (e.is(setError)) next = e.value ? Decoration.set([errorMark.range(e.value.from, e.value.to)]) : Decoration.none;
    }
    return next;
  },
  provide: (f) => EditorView.decorations.from(f),
});

function adqlLanguage(extraFunctions: ReadonlyArray<string>, schema: SQLNamespace): Extension {
  const dialect = SQLDialect.define({
    keywords: ADQL_KEYWORDS,
    types: ADQL_TYPES,
    builtin: [ADQL_FUNCTIONS, ...extraFunctions].join(' '),
    identifierQuotes: '"',
    caseInsensitiveIdentifiers: true,
  });
  return sql({ dialect, schema, upperCaseKeywords: true });
}

export interface AdqlEditor {
  view: EditorView;
  text(): string;
  setText(t: string): void;
  /** Marks the token at the position the message names ("line L, column C"); returns whether it found one. */
  showError(message: string): boolean;
  clearError(): void;
  /** Adds the service's functions and the table/column names for completion. */
  configure(functions: ReadonlyArray<string>, schema: SQLNamespace): void;
}

export function createEditor(parent: HTMLElement, initial: string, onRun: () => void, nonce: string | undefined): AdqlEditor {
  const language = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: initial,
      extensions: [
        lineNumbers(),
        history(),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        autocompletion(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        language.of(adqlLanguage([], {})),
        errorField,
        EditorView.lineWrapping,
        ...(nonce ? [EditorView.cspNonce.of(nonce)] : []),
        keymap.of([
          { key: 'Mod-Enter', run: () => (onRun(), true) },
          ...closeBracketsKeymap,
          ...defaultKeymap,
          ...historyKeymap,
          ...completionKeymap,
        ]),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(t) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } });
    },
    showError(message) {
      const pos = errorPosition(message);
      if (!pos) return false;
      const doc = view.state.doc.toString();
      const from = offsetOf(doc, pos);
      const word = /^[\w."]+/.exec(doc.slice(from));
      const to = Math.min(doc.length, from + Math.max(word ? word[0].length : 1, 1));
      view.dispatch({ effects: setError.of({ from, to: Math.max(to, from) }), selection: { anchor: from }, scrollIntoView: true });
      return true;
    },
    clearError() {
      view.dispatch({ effects: setError.of(null) });
    },
    configure(functions, schema) {
      view.dispatch({ effects: language.reconfigure(adqlLanguage(functions, schema)) });
    },
  };
}
