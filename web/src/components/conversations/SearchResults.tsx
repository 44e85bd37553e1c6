import { snippetParts, type SearchHit } from '../../api/search';

interface SearchResultsProps {
  results: SearchHit[];
  onOpen: (conversationId: string, messageId: string | null) => void;
}

/** What the search found: the conversation, and the passage with the words highlighted (as text, never HTML). */
export function SearchResults({ results, onOpen }: SearchResultsProps) {
  if (results.length === 0) return <p className="px-3 py-4 text-sm text-text-muted">Aucun résultat pour cette recherche.</p>;
  return (
    <ul data-testid="search-results" aria-label="Résultats de la recherche" className="flex flex-col gap-0.5">
      {results.map((hit, i) => (
        <li key={`${hit.conversation_id}-${hit.message_id ?? 'title'}-${i}`}>
          <button
            type="button"
            data-testid="search-result"
            data-conversation-id={hit.conversation_id}
            data-message-id={hit.message_id ?? undefined}
            onClick={() => onOpen(hit.conversation_id, hit.message_id)}
            className="w-full rounded-lg px-3 py-2 text-left hover:bg-surface-muted focus-visible:outline-2 focus-visible:outline-accent-cyan"
          >
            <span className="block truncate text-sm font-medium">{hit.message_id ? hit.title : <Marked text={hit.snippet} />}</span>
            {hit.message_id && (
              <span className="mt-0.5 line-clamp-3 block text-xs text-text-muted">
                <span className="sr-only">{hit.role === 'user' ? 'Vous : ' : 'THÉRÈSE : '}</span>
                <Marked text={hit.snippet} />
              </span>
            )}
          </button>
        </li>
      ))}
    </ul>
  );
}

function Marked({ text }: { text: string }) {
  return (
    <>
      {snippetParts(text).map((part, i) =>
        part.match ? (
          <mark key={i} className="rounded-sm bg-accent-cyan/30 px-0.5 text-text">
            {part.text}
          </mark>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </>
  );
}
