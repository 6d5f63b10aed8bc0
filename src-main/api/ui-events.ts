/** Events a host sends to the UI on its own initiative (native menus), over the same event channel. */
import { z } from 'zod';

/** File › Open dataset…: the user picked a folder in the native dialog. */
export const OPEN_DATASET_EVENT = 'ui.open-dataset';
export const OpenDatasetEventSchema = z.object({ dir: z.string().min(1) });

/** File › Export masks…: export the compared runs' masks (the export flow of the comparison panel). */
export const EXPORT_MASKS_EVENT = 'ui.export-masks';
