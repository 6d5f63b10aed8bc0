"""Independent judge of Floodlens' water polygons (GDAL/OGR + numpy), and a builder of real-chip mosaics.

  vector_judge.py mosaic <out.tif> <width> <height> <label.tif>...
      tiles real labels (1 water, 0 dry, anything else no data -> 1/0/255 uint8) into one tiled DEFLATE mask on the
      first label's CRS and geotransform; no pixel is invented.
  vector_judge.py areas <label.tif>[:<vv.tif>]...
      prints JSON per label: per-row true pixel areas (PROJ's equal-area cea on the CRS's ellipsoid for geographic
      grids, |det| x unit^2 for projected ones) and the water / valid / whole areas in m^2 (label 1 water, 0 or 1
      valid); with a VV band, also the area of VV < -18 dB (a real threshold predictor) over the valid pixels.
  vector_judge.py judge <mask.tif> <min_pixels> <vector file>...
      prints JSON: gdal_polygonize (4-connected) water polygon count and the count of those >= min_pixels, the mask's
      water area (numpy, per-row true areas), and per vector file: feature count, GEOS-invalid count, total area
      (on an equal-area projection of the file's ellipsoid when it is geographic), the layer's EPSG code, and for a
      GeoPackage the problems GDAL's validate_gpkg finds (extra checks, warnings as errors).
"""
import json
import sys

import numpy as np
import rasterio
from osgeo import gdal, ogr, osr
from osgeo_utils.samples import validate_gpkg

gdal.UseExceptions()


def mosaic(out, width, height, labels):
    first = rasterio.open(labels[0])
    canvas = np.full((height, width), 255, dtype=np.uint8)
    slot = 0
    for y in range(0, height, 512):
        for x in range(0, width, 512):
            with rasterio.open(labels[slot % len(labels)]) as src:
                label = src.read(1)
            chip = np.where(label == 1, 1, np.where(label == 0, 0, 255)).astype(np.uint8)
            h = min(chip.shape[0], height - y)
            w = min(chip.shape[1], width - x)
            canvas[y:y + h, x:x + w] = chip[:h, :w]
            slot += 1
    profile = dict(driver='GTiff', width=width, height=height, count=1, dtype='uint8', nodata=255, crs=first.crs,
                   transform=first.transform, tiled=True, blockxsize=256, blockysize=256, compress='deflate')
    with rasterio.open(out, 'w', **profile) as dst:
        dst.write(canvas, 1)


def equal_area(srs):
    cea = osr.SpatialReference()
    cea.ImportFromProj4('+proj=cea +lat_ts=0 +lon_0=0 +a=%r +rf=%r' % (srs.GetSemiMajor(), srs.GetInvFlattening()))
    cea.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return cea


def row_areas(src):
    t = src.transform
    srs = osr.SpatialReference()
    srs.ImportFromWkt(src.crs.to_wkt())
    if not srs.IsGeographic():
        return np.full(src.height, abs(t.a * t.e - t.b * t.d) * srs.GetLinearUnits() ** 2)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(srs, equal_area(srs))
    areas = []
    for r in range(src.height):
        (x0, y0, _), (x1, y1, _) = ct.TransformPoints([(t.c, t.f + r * t.e), (t.c + t.a, t.f + (r + 1) * t.e)])
        areas.append(abs((x1 - x0) * (y1 - y0)))
    return np.array(areas)


def areas(pairs):
    out = {}
    for pair in pairs:
        label_path, _, vv_path = pair.partition(':')
        with rasterio.open(label_path) as src:
            label = src.read(1)
            rows = row_areas(src)
        valid = (label == 0) | (label == 1)
        sums = lambda m: float((m.sum(axis=1) * rows).sum())
        result = {'rows': rows.tolist(), 'water': sums(label == 1), 'valid': sums(valid), 'whole': sums(np.ones_like(valid))}
        if vv_path:
            with rasterio.open(vv_path) as src:
                vv = src.read(1).astype('float64')
                if src.nodata is not None and not np.isnan(src.nodata):
                    vv[vv == src.nodata] = np.nan
            result['predicted'] = sums(~np.isnan(vv) & (np.nan_to_num(vv, nan=0.0) < -18) & valid)
        out[pair] = result
    print(json.dumps(out))


def judge(mask, min_pixels, vectors):
    with rasterio.open(mask) as src:
        values = src.read(1)
        areas = row_areas(src)
        det = abs(src.transform.a * src.transform.e - src.transform.b * src.transform.d)
    result = {'maskWaterM2': float(((values == 1).sum(axis=1) * areas).sum()), 'maskWaterPixels': int((values == 1).sum())}
    dataset = gdal.Open(mask)
    band = dataset.GetRasterBand(1)
    memory = ogr.GetDriverByName('Memory').CreateDataSource('polygons')
    layer = memory.CreateLayer('polygons', srs=dataset.GetSpatialRef())
    layer.CreateField(ogr.FieldDefn('DN', ogr.OFTInteger))
    gdal.Polygonize(band, band.GetMaskBand(), layer, 0, [], callback=None)
    sizes = [round(f.GetGeometryRef().GetArea() / det) for f in layer if f.GetField('DN') == 1]
    result['gdalPolygons'] = len(sizes)
    result['gdalPolygonsAtLeastMin'] = sum(1 for s in sizes if s >= min_pixels)
    result['files'] = {}
    for path in vectors:
        source = ogr.Open(path)
        vector_layer = source.GetLayer(0)
        srs = vector_layer.GetSpatialRef()
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        transform = osr.CoordinateTransformation(srs, equal_area(srs)) if srs.IsGeographic() else None
        count = invalid = 0
        area = 0.0
        for feature in vector_layer:
            geometry = feature.GetGeometryRef().Clone()
            count += 1
            if not geometry.IsValid():
                invalid += 1
            if transform:
                geometry.Transform(transform)
            area += geometry.GetArea() * (1 if transform else srs.GetLinearUnits() ** 2)
        result['files'][path] = {'features': count, 'invalid': invalid, 'areaM2': area,
                                 'epsg': srs.GetAuthorityCode(None), 'driver': source.GetDriver().GetName()}
        if path.endswith('.gpkg'):
            source = None
            try:
                errors = validate_gpkg.check(path, abort_at_first_error=False, extra_checks=True, verbose=False, warning_as_error=True)
                result['files'][path]['gpkgErrors'] = [str(e) for e in errors]
            except Exception as error:  # the checker raises on the first fatal problem
                result['files'][path]['gpkgErrors'] = [str(error)]
    print(json.dumps(result))


if __name__ == '__main__':
    if sys.argv[1] == 'mosaic':
        mosaic(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
    elif sys.argv[1] == 'areas':
        areas(sys.argv[2:])
    else:
        judge(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
