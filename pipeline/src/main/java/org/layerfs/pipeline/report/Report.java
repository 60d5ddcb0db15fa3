package org.layerfs.pipeline.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.layerfs.io.files.DurableFiles;

/** {@code layerfs report CATALOG_DIR [--out FILE]}: the catalog of an index run as one HTML page. */
public final class Report {
  private Report() {}

  /** Writes the report of {@code catalog} to {@code out}, replacing it whole; returns what it holds. */
  public static String write(Path catalog, Path out) throws IOException {
    MirrorSummary mirror = CatalogReader.read(catalog);
    String page = ReportPage.render(mirror, catalog, out.toAbsolutePath().getParent());
    DurableFiles.write(out, page.getBytes(StandardCharsets.UTF_8));
    return mirror.images().size() + " images, " + mirror.layers().size() + " distinct layers";
  }
}
