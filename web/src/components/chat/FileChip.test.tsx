import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AttachmentView, UploadProgress } from '../../api/attachments';
import { ApiError } from '../../api/errors';
import { ChatInput } from './ChatInput';
import { MessageItem } from './MessageItem';

type Upload = { file: File; progress: (p: UploadProgress) => void; resolve: (v: AttachmentView) => void; reject: (e: unknown) => void };
const uploads: Upload[] = [];
const deleted: string[] = [];

vi.mock('../../api/attachments', async (original) => ({
  ...(await original<typeof import('../../api/attachments')>()),
  uploadAttachment: (file: File, progress: (p: UploadProgress) => void) =>
    new Promise<AttachmentView>((resolve, reject) => uploads.push({ file, progress, resolve, reject })),
  deleteAttachment: async (id: string) => void deleted.push(id),
}));

const view = (name: string, extra: Partial<AttachmentView> = {}): AttachmentView => ({
  id: `id-${name}`, name, media_type: 'application/pdf', size: 1_250_000, kind: 'document', pages: 12, chars: 3000, truncated: false, ...extra,
});

function setup() {
  const onSend = vi.fn();
  render(<ChatInput busy={false} onSend={onSend} onStop={vi.fn()} />);
  return { onSend, user: userEvent.setup() };
}

describe('attaching files', () => {
  afterEach(() => {
    uploads.length = 0;
    deleted.length = 0;
    localStorage.clear();
  });

  it('shows « Envoi… » with progress, then « Lecture… », then the size and pages; a file alone can be sent', async () => {
    const { onSend, user } = setup();
    expect(screen.getByTestId('attach-button')).toHaveAccessibleName('Joindre des fichiers');
    await user.upload(screen.getByTestId('attach-input'), new File(['%PDF-'], 'devis.pdf', { type: 'application/pdf' }));

    const chip = screen.getByTestId('pending-file');
    act(() => uploads[0].progress({ sent: 0.4, reading: false }));
    expect(chip).toHaveTextContent('Envoi… 40 %') // the matcher folds the no-break space;
    expect(within(chip).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '40');
    expect(screen.getByTestId('send-button')).toBeDisabled();
    act(() => uploads[0].progress({ sent: 1, reading: true }));
    expect(chip).toHaveTextContent('Lecture…');

    await act(async () => uploads[0].resolve(view('devis.pdf', { warning: 'tronqué à la page 42' })));
    expect(chip).toHaveTextContent('1,3 Mo · 12 pages');
    expect(within(chip).getByTestId('file-warning')).toHaveTextContent('tronqué à la page 42');
    expect(screen.getByRole('list', { name: 'Fichiers joints au message' })).toBeInTheDocument();

    await user.click(screen.getByTestId('send-button'));
    expect(onSend).toHaveBeenCalledWith('', [expect.objectContaining({ type: 'attachment', id: 'id-devis.pdf', name: 'devis.pdf', pages: 12 })]);
    expect(screen.queryByTestId('pending-file')).not.toBeInTheDocument();
  });

  it('shows a refusal on its chip in French, keeps the text, and says when a file is removed', async () => {
    const { user } = setup();
    await user.type(screen.getByTestId('chat-input'), 'Résume ce fichier');
    await user.upload(screen.getByTestId('attach-input'), new File(['MZ'], 'rapport.pdf'));
    await act(async () => uploads[0].reject(new ApiError('unsupported_type', 'Ce fichier est un programme, pas un document.', 415)));
    expect(screen.getByTestId('file-error')).toHaveTextContent('Ce fichier est un programme, pas un document.');
    expect(screen.getByTestId('chat-input')).toHaveValue('Résume ce fichier');

    await user.click(screen.getByRole('button', { name: 'Retirer rapport.pdf' }));
    expect(screen.queryByTestId('pending-file')).not.toBeInTheDocument();
    expect(screen.getByTestId('files-announcer')).toHaveTextContent('rapport.pdf retiré.');
  });

  it('forgets on the server a ready file removed before sending', async () => {
    const { user } = setup();
    await user.upload(screen.getByTestId('attach-input'), new File(['x'], 'notes.txt'));
    await act(async () => uploads[0].resolve(view('notes.txt', { media_type: 'text/plain', pages: undefined })));
    await user.click(screen.getByRole('button', { name: 'Retirer notes.txt' }));
    expect(deleted).toEqual(['id-notes.txt']);
  });

  it('pastes an image from the clipboard as a file', async () => {
    const { user } = setup();
    screen.getByTestId('chat-input').focus();
    await user.paste({ files: [new File(['png'], 'image.png', { type: 'image/png' })] } as unknown as DataTransfer);
    expect(uploads.map((u) => u.file.name)).toEqual(['image.png']);
  });

  it('lists a sent message’s files as links that open or download them', () => {
    render(
      <MessageItem
        message={{
          id: 'u1', role: 'user', content: 'Compare', status: 'complete',
          parts: [
            { type: 'attachment', id: 'a1', name: 'devis.pdf', media_type: 'application/pdf', size: 52_000, kind: 'document', pages: 3, warning: 'tronqué à la page 2' },
            { type: 'attachment', id: 'a2', name: 'plan.png', media_type: 'image/png', size: 900, kind: 'image' },
            { type: 'text', text: 'Compare' },
          ],
        }}
      />,
    );
    const list = screen.getByRole('list', { name: 'Pièces jointes' });
    const [pdf, png] = within(list).getAllByRole('link');
    expect(pdf).toHaveAttribute('href', '/api/attachments/a1/content');
    expect(pdf).toHaveAttribute('download', 'devis.pdf');
    expect(pdf).toHaveAccessibleName(/^devis\.pdf\s*52\sko · 3\spages\s*· tronqué à la page 2\s*\(télécharger\)$/);
    expect(png).not.toHaveAttribute('download');
    expect(png.querySelector('img')).toHaveAttribute('src', '/api/attachments/a2/preview');
    expect(screen.getByText('Compare')).toBeInTheDocument();
  });
});
