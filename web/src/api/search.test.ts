import { describe, expect, it } from 'vitest';
import { snippetParts } from './search';

describe('snippetParts', () => {
  it('splits the marked words out as text, never as HTML', () => {
    expect(snippetParts('…la fête de l\u0002été\u0003 et <b>\u0002salle\u0003</b>')).toEqual([
      { text: '…la fête de l', match: false },
      { text: 'été', match: true },
      { text: ' et <b>', match: false },
      { text: 'salle', match: true },
      { text: '</b>', match: false },
    ]);
  });
});
