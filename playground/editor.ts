/** The program editor: CodeMirror 6 with TypeScript highlighting, and the lines a compile error is on marked. */
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { RangeSetBuilder, StateEffect, StateField, Transaction } from "@codemirror/state";
import { Decoration, EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers, type DecorationSet } from "@codemirror/view";

export interface ProgramEditor {
  text(): string;
  setText(text: string): void;
  /** Marks these 1-based lines (none: clears the marks) and scrolls the first into view. */
  markErrors(lines: readonly number[]): void;
}

const setErrorLines = StateEffect.define<readonly number[]>();
const errorLine = Decoration.line({ class: "cm-error-line" });

const errorLines = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const effect of tr.effects) {
      if (!effect.is(setErrorLines)) continue;
      const builder = new RangeSetBuilder<Decoration>();
      const lines = [...new Set(effect.value)].filter((n) => n >= 1 && n <= tr.state.doc.lines).sort((a, b) => a - b);
      for (const n of lines) builder.add(tr.state.doc.line(n).from, tr.state.doc.line(n).from, errorLine);
      return builder.finish();
    }
    // Editing clears the marks: they described the text as it was.
    return tr.docChanged ? Decoration.none : marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

const theme = EditorView.theme({
  "&": { fontSize: "13px", border: "1px solid #ccc", height: "100%" },
  ".cm-scroller": { fontFamily: "ui-monospace, monospace" },
  ".cm-error-line": { backgroundColor: "#fde2e1" },
});

export interface EditorOptions {
  /** The user changed the text (setText does not count). */
  readonly onEdit?: () => void;
  /** Ctrl-Enter (Cmd-Enter): what the Run button does. */
  readonly onRun?: () => void;
  /** The shadow root the editor lives in (the custom element's). */
  readonly root?: ShadowRoot;
}

export function createEditor(parent: HTMLElement, text: string, { onEdit, onRun, root }: EditorOptions): ProgramEditor {
  const view = new EditorView({
    doc: text,
    parent,
    ...(root ? { root } : {}),
    extensions: [
      // codemirror's basicSetup without what a short example does not need (completion, search, folding,
      // lint): about 90 KB less in the page.
      lineNumbers(),
      highlightActiveLine(),
      history(),
      drawSelection(),
      indentOnInput(),
      bracketMatching(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      keymap.of([{ key: "Mod-Enter", run: () => { onRun?.(); return true; } }, ...defaultKeymap, ...historyKeymap, indentWithTab]),
      javascript({ typescript: true }),
      errorLines,
      theme,
      EditorView.updateListener.of((update) => {
        if (update.docChanged && update.transactions.some((tr) => tr.annotation(Transaction.userEvent) !== undefined)) onEdit?.();
      }),
    ],
  });
  return {
    text: () => view.state.doc.toString(),
    setText(next) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } });
    },
    markErrors(lines) {
      const first = lines.find((n) => n >= 1 && n <= view.state.doc.lines);
      view.dispatch({
        effects: [setErrorLines.of(lines), ...(first ? [EditorView.scrollIntoView(view.state.doc.line(first).from, { y: "center" })] : [])],
      });
    },
  };
}
