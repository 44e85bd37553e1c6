import { beforeEach, describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ThemeToggle } from './ThemeToggle';

beforeEach(() => {
  localStorage.clear();
  document.documentElement.removeAttribute('data-theme');
});

describe('ThemeToggle', () => {
  it('starts from the system theme (light in jsdom) and persists the choice', async () => {
    render(<ThemeToggle />);
    expect(document.documentElement).toHaveAttribute('data-theme', 'light');
    const toggle = screen.getByTestId('theme-toggle');
    expect(toggle).toHaveAccessibleName('Passer au thème sombre');

    await userEvent.click(toggle);
    expect(document.documentElement).toHaveAttribute('data-theme', 'dark');
    expect(localStorage.getItem('therese-theme')).toBe('dark');
    expect(toggle).toHaveAccessibleName('Passer au thème clair');
  });

  it('uses a saved choice', () => {
    localStorage.setItem('therese-theme', 'dark');
    render(<ThemeToggle />);
    expect(document.documentElement).toHaveAttribute('data-theme', 'dark');
  });
});
