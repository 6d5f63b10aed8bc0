import { describe, expect, it } from 'vitest';
import { tabStop, targetIndex, type ListAxis } from '../../src-renderer/src/components/ui/list-keys.ts';

describe('list keys (tabs and row lists)', () => {
  // [key, from index, item count, axis, expected target]
  const cases: [string, number, number, ListAxis, number | null][] = [
    // Tabs: Left/Right wrap around, Home/End jump, other keys are not moves.
    ['ArrowRight', 0, 4, 'horizontal', 1],
    ['ArrowRight', 3, 4, 'horizontal', 0],
    ['ArrowLeft', 0, 4, 'horizontal', 3],
    ['End', 1, 4, 'horizontal', 3],
    ['Home', 2, 4, 'horizontal', 0],
    ['ArrowDown', 0, 4, 'horizontal', null],
    ['PageDown', 0, 4, 'horizontal', null],
    // Lists: Up/Down and pages of ten, stopping at the ends.
    ['ArrowDown', 0, 30, 'vertical', 1],
    ['ArrowDown', 29, 30, 'vertical', 29],
    ['ArrowUp', 0, 30, 'vertical', 0],
    ['PageDown', 25, 30, 'vertical', 29],
    ['PageUp', 12, 30, 'vertical', 2],
    ['End', 3, 30, 'vertical', 29],
    ['Enter', 3, 30, 'vertical', null],
    // From no current item: start at an end; an empty list has no target.
    ['ArrowDown', -1, 5, 'vertical', 0],
    ['ArrowUp', -1, 5, 'vertical', 4],
    ['ArrowDown', 0, 0, 'vertical', null],
  ];
  it.each(cases)('%s from %i of %i (%s) goes to %s', (key, index, count, axis, expected) => {
    expect(targetIndex(key, index, count, axis)).toBe(expected);
  });

  it('keeps one tab stop: the selected item, else the first', () => {
    expect(tabStop(['a', 'b', 'c'], 'b')).toBe('b');
    expect(tabStop(['a', 'b', 'c'], 'gone')).toBe('a');
    expect(tabStop(['a', 'b', 'c'], null)).toBe('a');
    expect(tabStop([], null)).toBeNull();
  });
});
