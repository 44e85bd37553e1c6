import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ExportMenu } from './ExportMenu';

describe('ExportMenu', () => {
  it('offers Markdown, Word and JSON as downloads of this conversation, and printing', { timeout: 30_000 }, async () => {
    render(<ExportMenu conversationId="c 1" />);
    const button = screen.getByRole('button', { name: 'Exporter' });
    expect(button).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(button);

    const items = screen.getAllByRole('menuitem');
    expect(items.map((i) => i.textContent)).toEqual([
      'Markdown (.md)texte lisible partout',
      'Word (.docx)titres, listes, tableaux',
      'JSON (tout)chaque version, réimportable',
      'Imprimer ou PDFsans la barre latérale ni les boutons',
    ]);
    expect(screen.getByTestId('export-docx')).toHaveAttribute('href', '/api/conversations/c%201/export?format=docx');
    expect(screen.getByTestId('export-md')).toHaveAttribute('download');
    // The first item has the focus; arrows move it; Escape closes and gives it back.
    expect(items[0]).toHaveFocus();
    await userEvent.keyboard('{ArrowDown}');
    expect(items[1]).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).toBeNull();
    expect(button).toHaveFocus();
  });
});
