/**
 * Copying an answer: as Markdown (the text as the model wrote it) or as plain text (the Markdown
 * read as text, formulas kept as their LaTeX source: src/shared/markdown-text.ts); and one formula
 * of a rendered answer as LaTeX (KaTeX keeps the source in an <annotation> of its MathML).
 */
import { Check, ChevronDown, Copy, Sigma } from 'lucide-react';
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { copyText } from '../../lib/clipboard.ts';

/** Closes a popover on a press outside it, on Escape, and when the page scrolls. */
function useDismiss(ref: RefObject<HTMLElement | null>, open: boolean, close: () => void): void {
  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) close();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        close();
      }
    };
    document.addEventListener('pointerdown', onPointer, true);
    document.addEventListener('keydown', onKey, true);
    window.addEventListener('scroll', close, true);
    return () => {
      document.removeEventListener('pointerdown', onPointer, true);
      document.removeEventListener('keydown', onKey, true);
      window.removeEventListener('scroll', close, true);
    };
  }, [ref, open, close]);
}

/** Says "copied" for a moment after a copy. */
function useCopied(): [boolean, (text: string) => Promise<void>] {
  const [copied, setCopied] = useState(false);
  const copy = async (text: string) => {
    if (await copyText(text)) {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    }
  };
  return [copied, copy];
}

/** An answer's copy button, with its two formats. */
export function CopyMenu({ text }: { text: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [copied, copy] = useCopied();
  const ref = useRef<HTMLSpanElement>(null);
  const close = useCallback(() => setOpen(false), []);
  useDismiss(ref, open, close);

  const copyAs = async (format: 'markdown' | 'plain') => {
    setOpen(false);
    // Loaded on first use (the Markdown parser is in the answer view's chunk already).
    const plain = format === 'plain' ? (await import('../../../../shared/markdown-text.ts')).markdownToText(text) : text;
    await copy(plain);
  };

  return (
    <span className="copy-menu" ref={ref}>
      <button
        type="button"
        className="btn btn-ghost btn-small"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        title={t('copy.menu')}
        data-testid="copy-menu"
      >
        {copied ? <Check size={14} aria-hidden="true" /> : <Copy size={14} aria-hidden="true" />}
        <span aria-live="polite">{copied ? t('common.copied') : t('common.copy')}</span>
        <ChevronDown size={12} aria-hidden="true" />
      </button>
      {open ? (
        <span className="menu-popover" role="menu">
          <button type="button" role="menuitem" className="menu-item" onClick={() => void copyAs('markdown')} data-testid="copy-markdown">
            {t('copy.markdown')}
          </button>
          <button type="button" role="menuitem" className="menu-item" onClick={() => void copyAs('plain')} data-testid="copy-plain">
            {t('copy.plain')}
          </button>
        </span>
      ) : null}
    </span>
  );
}

/** The LaTeX source of the rendered formula an event happened in, if any. */
export function latexAt(target: EventTarget | null): string | null {
  const formula = target instanceof Element ? target.closest('.katex') : null;
  return formula?.querySelector('annotation[encoding="application/x-tex"]')?.textContent ?? null;
}

/** A small menu at the pointer over a formula: "copy LaTeX". */
export function FormulaMenu({ latex, x, y, onClose }: { latex: string; x: number; y: number; onClose: () => void }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const [copied, copy] = useCopied();
  useDismiss(ref, true, onClose);
  // In <body>: a message is in a transformed slot, where `position: fixed` would not be the window's.
  return createPortal(
    <div ref={ref} className="menu-popover formula-menu" role="menu" aria-label={t('copy.formula')} style={{ left: x, top: y }} data-testid="formula-menu">
      <button
        type="button"
        role="menuitem"
        className="menu-item"
        onClick={() => void copy(latex).then(() => setTimeout(onClose, 600))}
        title={latex}
        data-testid="copy-latex"
        autoFocus
      >
        {copied ? <Check size={14} aria-hidden="true" /> : <Sigma size={14} aria-hidden="true" />}
        {copied ? t('common.copied') : t('copy.latex')}
      </button>
    </div>,
    document.body,
  );
}
