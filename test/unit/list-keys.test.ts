import { describe, expect, it } from 'vitest';
import { targetIndex } from '../../src-renderer/src/components/ui/list-keys.ts';

describe('list keys (tabs and row lists)', () => {
  it('tabs move with Left/Right, wrap around, and jump with Home/End', () => {
    expect(targetIndex('ArrowRight', 0, 4, 'horizontal')).toBe(1);
    expect(targetIndex('ArrowRight', 3, 4, 'horizontal')).toBe(0);
    expect(targetIndex('ArrowLeft', 0, 4, 'horizontal')).toBe(3);
    expect(targetIndex('End', 1, 4, 'horizontal')).toBe(3);
    expect(targetIndex('Home', 2, 4, 'horizontal')).toBe(0);
    expect(targetIndex('ArrowDown', 0, 4, 'horizontal')).toBeNull();
    expect(targetIndex('PageDown', 0, 4, 'horizontal')).toBeNull();
  });

  it('lists move with Up/Down and by pages, and stop at their ends', () => {
    expect(targetIndex('ArrowDown', 0, 30, 'vertical')).toBe(1);
    expect(targetIndex('ArrowDown', 29, 30, 'vertical')).toBe(29);
    expect(targetIndex('ArrowUp', 0, 30, 'vertical')).toBe(0);
    expect(targetIndex('PageDown', 25, 30, 'vertical')).toBe(29);
    expect(targetIndex('PageUp', 12, 30, 'vertical')).toBe(2);
    expect(targetIndex('End', 3, 30, 'vertical')).toBe(29);
    expect(targetIndex('Enter', 3, 30, 'vertical')).toBeNull();
  });

  it('from no current item starts at an end; an empty list has no target', () => {
    expect(targetIndex('ArrowDown', -1, 5, 'vertical')).toBe(0);
    expect(targetIndex('ArrowUp', -1, 5, 'vertical')).toBe(4);
    expect(targetIndex('ArrowDown', 0, 0, 'vertical')).toBeNull();
  });
});
