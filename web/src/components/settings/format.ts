const decimal = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });

/** 1 073 741 824 → « 1 Go » (French units: octets). `approximate` drops the decimals of Ko and Mo. */
export function formatSize(bytes: number, approximate = false): string {
  const units = ['octets', 'Ko', 'Mo', 'Go', 'To'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = unit === 0 || (approximate && unit < 3) ? Math.round(value) : Math.round(value * 10) / 10;
  return `${decimal.format(rounded)} ${units[unit]}`;
}

/** Seconds left, as a person says it: « environ 2 min », « moins d’une minute ». */
export function formatTimeLeft(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return 'moins d’une minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `environ ${minutes} min`;
  return `environ ${decimal.format(Math.round((minutes / 60) * 10) / 10)} h`;
}
