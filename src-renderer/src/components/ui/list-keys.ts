/**
 * Keyboard moves in a one-dimensional widget (tab list, list of rows): which item a key goes to, from `index`
 * among `count` items, or null when the key is not a move. Tabs wrap around; lists stop at their ends.
 */
export type ListAxis = 'horizontal' | 'vertical';

const PAGE = 10;

export function targetIndex(key: string, index: number, count: number, axis: ListAxis): number | null {
  if (count === 0) return null;
  const [back, forward] = axis === 'horizontal' ? ['ArrowLeft', 'ArrowRight'] : ['ArrowUp', 'ArrowDown'];
  const wrap = axis === 'horizontal';
  const moves: Record<string, number> = { [back]: index - 1, [forward]: index + 1, Home: 0, End: count - 1 };
  if (!wrap) Object.assign(moves, { PageUp: index - PAGE, PageDown: index + PAGE });
  const target = moves[key];
  if (target === undefined) return null;
  // From no current item, "forward" and "back" both start at an end.
  if (index < 0) return key === back ? count - 1 : key === forward ? 0 : Math.max(0, Math.min(count - 1, target));
  return wrap ? (target + count) % count : Math.max(0, Math.min(count - 1, target));
}

/** A move key pressed on item `current` of `ids`: stops the key's default and calls `go` with the item it moves to. */
export function moveByKey(event: KeyboardEvent, ids: readonly string[], current: string, axis: ListAxis, go: (id: string) => void): void {
  const target = targetIndex(event.key, ids.indexOf(current), ids.length, axis);
  if (target === null) return;
  event.preventDefault();
  go(ids[target]);
}

/** Items' elements by id (an action: `use:elements.track={id}`), so a key can move the focus to an item. */
export function elementsById() {
  const elements = new Map<string, HTMLElement>();
  return {
    track(node: HTMLElement, id: string) {
      elements.set(id, node);
      return { destroy: () => elements.delete(id) };
    },
    get: (id: string) => elements.get(id),
  };
}

/** The one item of a list in the tab order (roving tabindex): the selected one, else the first. */
export const tabStop = (ids: readonly string[], selected: string | null): string | null =>
  selected !== null && ids.includes(selected) ? selected : (ids[0] ?? null);
