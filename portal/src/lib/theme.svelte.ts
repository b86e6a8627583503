/** `system` follows prefers-color-scheme; the others pin the theme. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'assay.theme';
const ORDER: readonly ThemeChoice[] = ['system', 'light', 'dark'];

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return ORDER.includes(value as ThemeChoice) ? (value as ThemeChoice) : 'system';
  } catch {
    return 'system';
  }
}

/** The theme choice, applied as `data-theme` on <html> (app.html applies it before the first paint too). */
class Theme {
  choice = $state<ThemeChoice>(stored());

  set(choice: ThemeChoice): void {
    this.choice = choice;
    if (choice === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = choice;
    try {
      if (choice === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch {
      // Without storage the choice lasts for this page only.
    }
  }

  next(): void {
    this.set(ORDER[(ORDER.indexOf(this.choice) + 1) % ORDER.length] ?? 'system');
  }
}

export const theme = new Theme();
