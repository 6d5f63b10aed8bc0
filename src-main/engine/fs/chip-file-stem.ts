/** Safe file stem for a chip id (ids come from file names, but a manifest can say anything). */
export function chipFileStem(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}
