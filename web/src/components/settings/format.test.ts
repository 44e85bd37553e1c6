import { describe, expect, it } from 'vitest';
import { formatSize, formatTimeLeft } from './format';

describe('French sizes and durations', () => {
  it('writes sizes with French units and decimal commas', () => {
    expect(formatSize(512)).toBe('512 octets');
    expect(formatSize(1536)).toBe('1,5 Ko');
    expect(formatSize(1_073_741_824)).toBe('1 Go');
    expect(formatSize(986_000_000)).toBe('940,3 Mo');
    expect(formatSize(986_000_000, true)).toBe('940 Mo');
    expect(formatSize(1_500_000_000, true)).toBe('1,4 Go');
  });

  it('rounds time left the way a person says it', () => {
    expect(formatTimeLeft(12)).toBe('moins d’une minute');
    expect(formatTimeLeft(150)).toBe('environ 3 min');
    expect(formatTimeLeft(5400)).toBe('environ 1,5 h');
  });
});
