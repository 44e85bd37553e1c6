import { useEffect, useState } from 'react';
import { getUsage, type MonthUsage } from '../../api/accounts';
import { ApiError } from '../../api/errors';
import { inputClass } from '../settings/Field';

const number = new Intl.NumberFormat('fr-FR');
const thisMonth = () => new Date().toISOString().slice(0, 7);

/** « Utilisation »: tokens per person for a month, counted from every answer. */
export function UsageSection() {
  const [month, setMonth] = useState(thisMonth);
  const [usage, setUsage] = useState<MonthUsage | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    getUsage(month).then(
      (u) => live && (setUsage(u), setError(null)),
      (e: unknown) => live && setError(e instanceof ApiError ? e.message : 'Impossible de lire l’utilisation.'),
    );
    return () => {
      live = false;
    };
  }, [month]);

  return (
    <section aria-labelledby="usage-title" className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id="usage-title" className="text-xl font-semibold">
            Jetons par personne
          </h2>
          <p className="mt-1 text-sm text-text-muted">Les jetons envoyés au modèle et reçus de lui, par personne.</p>
        </div>
        <label className="text-sm">
          <span className="mb-1 block font-medium">Mois</span>
          <input type="month" data-testid="usage-month" className={inputClass} value={month} onChange={(e) => setMonth(e.target.value)} />
        </label>
      </div>
      {error && <p role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">{error}</p>}
      {usage && (
        <div className="overflow-x-auto">
          <table data-testid="usage-table" className="w-full text-sm">
            <caption className="sr-only">Utilisation par personne en {usage.month}</caption>
            <thead>
              <tr className="border-b border-border text-left text-text-muted">
                <th scope="col" className="py-2 pr-3 font-medium">Personne</th>
                <th scope="col" className="py-2 pr-3 text-right font-medium">Réponses</th>
                <th scope="col" className="py-2 pr-3 text-right font-medium">Jetons envoyés</th>
                <th scope="col" className="py-2 pr-3 text-right font-medium">Jetons reçus</th>
                <th scope="col" className="py-2 text-right font-medium">Budget mensuel</th>
              </tr>
            </thead>
            <tbody>
              {usage.people.map((p) => (
                <tr key={p.user_id} data-testid="usage-row" data-email={p.email} className="border-b border-border">
                  <th scope="row" className="py-2 pr-3 text-left font-normal">
                    {p.name} <span className="text-text-muted">{p.email}</span>
                  </th>
                  <td className="py-2 pr-3 text-right tabular-nums">{number.format(p.answers)}</td>
                  <td data-testid="usage-in" className="py-2 pr-3 text-right tabular-nums">{number.format(p.input_tokens)}</td>
                  <td data-testid="usage-out" className="py-2 pr-3 text-right tabular-nums">{number.format(p.output_tokens)}</td>
                  <td className="py-2 text-right tabular-nums">{p.monthly_token_budget == null ? 'sans limite' : number.format(p.monthly_token_budget)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr className="font-medium">
                <th scope="row" className="py-2 pr-3 text-left">Total</th>
                <td className="py-2 pr-3 text-right tabular-nums">{number.format(usage.people.reduce((s, p) => s + p.answers, 0))}</td>
                <td className="py-2 pr-3 text-right tabular-nums">{number.format(usage.input_tokens)}</td>
                <td className="py-2 pr-3 text-right tabular-nums">{number.format(usage.output_tokens)}</td>
                <td />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </section>
  );
}
