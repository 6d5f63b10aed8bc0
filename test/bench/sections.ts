/** Every bench section `npm run bench` runs, one line each (add yours here; see section.ts). */
import { parallelSection } from './parallel.ts';
import { sceneSection } from './scene.ts';
import { sceneWidthSection } from './scene-width.ts';
import { seedNetsSection } from './seed-nets.ts';
import type { BenchSection } from './section.ts';
import { trainWorkersSection } from './train-workers.ts';

export const SECTIONS: BenchSection[] = [seedNetsSection, parallelSection, trainWorkersSection, sceneSection, sceneWidthSection];
