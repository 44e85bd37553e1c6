import { describe, expect, it, beforeAll } from 'vitest';
import { render, waitFor } from '@testing-library/react';
import { Markdown } from './Markdown';
import { loadMarkdownRenderer } from './Markdown';

// The Markdown pipeline loads after the page; these tests render it loaded.
beforeAll(async () => {
  await loadMarkdownRenderer();
});

describe('Markdown', () => {
  it('renders an unterminated ``` fence as a code block while streaming', async () => {
    const { container } = render(
      <Markdown text={'Voici :\n\n```python\ndef bonjour():\n    return "été"'} streaming />,
    );
    const code = container.querySelector('pre code');
    expect(code).not.toBeNull();
    expect(code!.textContent).toContain('def bonjour():');
    expect(code!.className).toContain('language-python');
    // Highlighted as it grows, once its grammar has arrived.
    await waitFor(() => expect(container.querySelector('pre code .hljs-keyword')).not.toBeNull());
  });

  it('renders headings, lists, GFM tables and links', () => {
    const { container, getByRole } = render(
      <Markdown text={'# Titre\n\n- un\n- deux\n\n| A | B |\n| - | - |\n| 1 | 2 |\n\n[Site](https://exemple.fr)'} />,
    );
    expect(container.querySelector('h1')?.textContent).toBe('Titre');
    expect(container.querySelectorAll('li')).toHaveLength(2);
    expect(container.querySelectorAll('td')).toHaveLength(2);
    const link = getByRole('link', { name: 'Site' });
    expect(link).toHaveAttribute('href', 'https://exemple.fr');
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  });

  it('never renders raw HTML from the model', () => {
    const { container } = render(
      <Markdown
        text={'Texte <img src=x onerror="alert(1)"> et <script>alert(2)</script>\n\n<iframe src="https://x"></iframe>\n\n<a href="javascript:alert(3)">clic</a>'}
      />,
    );
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('iframe')).toBeNull();
    expect(container.querySelector('[onerror]')).toBeNull();
    expect(container.querySelector('a[href^="javascript"]')).toBeNull();
  });

  it('turns javascript:, data: and vbscript: links into plain text', () => {
    const { container } = render(
      <Markdown
        text={'[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](data:text/html;base64,PHNjcmlwdD4=) [d](vbscript:msgbox) <javascript:alert(1)>'}
      />,
    );
    for (const anchor of container.querySelectorAll('a')) {
      expect(anchor.getAttribute('href') ?? '').not.toMatch(/^\s*(javascript|data|vbscript):/i);
    }
    expect(container.innerHTML).not.toMatch(/href="(javascript|data|vbscript):/i);
    expect(container.textContent).toContain('a');
  });

  it('does not load images from the model', () => {
    const { container } = render(<Markdown text={'![pixel](https://traqueur.example/p.png?q=secret)'} />);
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toContain('Image : pixel');
  });

  it('shows the cursor at the end of the live text only while streaming', () => {
    const { container, rerender } = render(<Markdown text={'Un paragraphe **en cours'} streaming />);
    const cursor = container.querySelector('[data-testid="streaming-cursor"]');
    expect(cursor?.parentElement?.tagName).toBe('STRONG');
    // remend closed the bold instead of showing raw asterisks.
    expect(container.textContent).not.toContain('**');

    rerender(<Markdown text={'Un paragraphe **en cours**.'} />);
    expect(container.querySelector('[data-testid="streaming-cursor"]')).toBeNull();
  });

  it('re-renders only the last block as text grows', () => {
    const first = '# Titre\n\nPremier paragraphe.\n\nDeuxième';
    const { container, rerender } = render(<Markdown text={first} streaming />);
    const heading = container.querySelector('h1');
    const firstParagraph = container.querySelectorAll('p')[0];
    rerender(<Markdown text={first + ' paragraphe qui grandit'} streaming />);
    // Same DOM nodes: the finished blocks were not rendered again.
    expect(container.querySelector('h1')).toBe(heading);
    expect(container.querySelectorAll('p')[0]).toBe(firstParagraph);
    expect(container.querySelectorAll('p')[1].textContent).toBe('Deuxième paragraphe qui grandit');
  });
});
