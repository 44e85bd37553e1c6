import type { ReactNode } from 'react';

/** The frame of the sign-in, first-admin and password screens: the brand, a title, a card. */
export function AuthCard({ testId, title, intro, children }: { testId: string; title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <main data-testid={testId} className="flex min-h-dvh items-center justify-center bg-surface px-4 py-10 text-text">
      <div className="w-full max-w-sm">
        <p className="brand mb-6 text-center text-2xl font-bold tracking-wide">THÉRÈSE</p>
        <div className="rounded-2xl border border-border p-6 shadow-sm">
          <h1 className="text-xl font-semibold">{title}</h1>
          {intro && <div className="mt-1 mb-4 text-sm text-text-muted">{intro}</div>}
          {children}
        </div>
      </div>
    </main>
  );
}
