/**
 * GeoPackage 1.3 writer (sql.js, in memory, written atomically on close): one MULTIPOLYGON layer in the raster's CRS
 * with `pixels` and `area_km2`. The SRS row carries the EPSG WKT (or the proj4 text for a CRS without EPSG code).
 * No R-tree index: sql.js is built without the rtree module; GDAL/QGIS read the layer without it.
 */
import type { Database, Statement } from 'sql.js';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { wktForEpsg } from '../geo/crs.ts';
import type { RasterGrid } from '../geo/pixel-area.ts';
import { emptyEnvelope, featureToCrs, type Envelope, type WaterFeature } from './features.ts';
import { loadSqlite } from './sqlite-wasm.ts';
import { geoPackageMultiPolygon } from './wkb.ts';

const GPKG_APPLICATION_ID = 0x47504b47; // 'GPKG'
const GPKG_VERSION_1_3 = 10300;
const USER_DEFINED_SRS_ID = 100000;

const CORE_SCHEMA = `
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
`;

export interface GeoPackageLayer {
  /** Table and layer name. */
  name: string;
  description?: string;
}

export class GeoPackageWriter {
  private readonly envelope: Envelope = emptyEnvelope();
  private count = 0;

  private constructor(
    private readonly path: string,
    private readonly grid: RasterGrid,
    private readonly layer: GeoPackageLayer,
    private readonly database: Database,
    private readonly insert: Statement,
    private readonly srsId: number,
  ) {}

  static async create(path: string, grid: RasterGrid, layer: GeoPackageLayer): Promise<GeoPackageWriter> {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(layer.name)) throw new Error(`layer name "${layer.name}" must be a plain SQL identifier`);
    const SQL = await loadSqlite();
    const database = new SQL.Database();
    database.run(`PRAGMA application_id = ${GPKG_APPLICATION_ID}; PRAGMA user_version = ${GPKG_VERSION_1_3};`);
    database.run(CORE_SCHEMA);
    // The WGS 84 row is required by the standard, whatever the layer's CRS.
    database.run('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)', [
      'WGS 84 geodetic', 4326, 'EPSG', 4326, wktForEpsg(4326) ?? 'undefined', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid',
    ]);
    const { epsg, proj4, isGeographic } = grid.crs;
    const srsId = epsg ?? USER_DEFINED_SRS_ID;
    if (srsId !== 4326) {
      const wkt = epsg !== null ? wktForEpsg(epsg) : null;
      const name = wkt?.match(/^\w+\["([^"]*)"/)?.[1] ?? (isGeographic ? 'user-defined geographic CRS' : 'user-defined projected CRS');
      database.run('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)', [
        name, srsId, epsg !== null ? 'EPSG' : 'NONE', srsId, wkt ?? proj4, epsg !== null ? `EPSG:${epsg}` : proj4,
      ]);
    }
    database.run(`CREATE TABLE "${layer.name}" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, pixels INTEGER NOT NULL, area_km2 REAL NOT NULL)`);
    database.run('INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, ?, ?, ?, ?)', [
      layer.name, 'features', layer.name, layer.description ?? '', srsId,
    ]);
    database.run('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)', [layer.name, 'geom', 'MULTIPOLYGON', srsId]);
    database.run('BEGIN');
    const insert = database.prepare(`INSERT INTO "${layer.name}" (fid, geom, pixels, area_km2) VALUES (?, ?, ?, ?)`);
    return new GeoPackageWriter(path, grid, layer, database, insert, srsId);
  }

  add(feature: WaterFeature): void {
    const { bytes, envelope } = geoPackageMultiPolygon(featureToCrs(feature, this.grid.geoTransform), this.srsId);
    this.insert.run([feature.id, bytes, feature.pixels, feature.areaM2 / 1e6]);
    this.envelope.minX = Math.min(this.envelope.minX, envelope.minX);
    this.envelope.minY = Math.min(this.envelope.minY, envelope.minY);
    this.envelope.maxX = Math.max(this.envelope.maxX, envelope.maxX);
    this.envelope.maxY = Math.max(this.envelope.maxY, envelope.maxY);
    this.count++;
  }

  /** Writes the file (atomically) and frees the database. */
  async close(): Promise<void> {
    try {
      this.insert.free();
      const e = this.count > 0 ? this.envelope : null;
      this.database.run('UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?', [
        e?.minX ?? null, e?.minY ?? null, e?.maxX ?? null, e?.maxY ?? null, this.layer.name,
      ]);
      this.database.run('COMMIT');
      await writeFileAtomic(this.path, this.database.export());
    } finally {
      this.database.close();
    }
  }

  /** Drops everything without writing. */
  abort(): void {
    try {
      this.insert.free();
    } finally {
      this.database.close();
    }
  }
}
