package org.layerfs.pipeline.report;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.layerfs.pipeline.run.Sizes;

/**
 * The report as one HTML page: inline style, inline SVG charts, nothing loaded from anywhere
 * (its Content-Security-Policy forbids it, so a browser would say if anything tried).
 */
final class ReportPage {
  static final int SHARED_LAYERS = 10;

  private static final String STYLE = """
      body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
      h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}h3{font-size:15px;margin-top:24px}
      table{border-collapse:collapse;margin:8px 0}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}
      td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
      code{font-size:12px}.chart text{font:12px system-ui,sans-serif;fill:#222}.chart rect{fill:#3b7dd8}
      .totals td{font-size:16px}.muted{color:#777}
      """;

  private final MirrorSummary mirror;
  private final Path catalog;
  private final Path reportDir;
  private final StringBuilder html = new StringBuilder();

  /** {@code reportDir}: where the page is written, so that links to the catalog's files are relative. */
  private ReportPage(MirrorSummary mirror, Path catalog, Path reportDir) {
    this.mirror = mirror;
    this.catalog = catalog;
    this.reportDir = reportDir;
  }

  static String render(MirrorSummary mirror, Path catalog, Path reportDir) {
    return new ReportPage(mirror, catalog, reportDir).page();
  }

  private String page() {
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">")
        .append("<title>layerfs report</title><style>").append(STYLE).append("</style></head><body>\n")
        .append("<h1>layerfs mirror report</h1>\n");
    run();
    totals();
    sharedLayers();
    directories();
    images();
    return html.append("</body></html>\n").toString();
  }

  private void run() {
    html.append("<p class=\"muted\" id=\"run\">");
    mirror.run().ifPresentOrElse(
        r -> html.append("Indexed ").append(Html.escape(r.date())).append(" by layerfs ").append(Html.escape(r.version()))
            .append(" from ").append(String.join(" ", r.references().stream().map(ref -> "<code>" + Html.escape(ref) + "</code>").toList())),
        () -> html.append("The catalog has no run.json: made by a layerfs older than this report."));
    html.append("</p>\n");
  }

  private void totals() {
    long stored = mirror.storedBytes();
    long unshared = mirror.unsharedBytes();
    html.append("<h2>Mirror</h2>\n<table class=\"totals\" id=\"totals\">")
        .append(row("images", String.valueOf(mirror.images().size())))
        .append(row("distinct layers", String.valueOf(mirror.layers().size())))
        .append(row("layer bytes stored", Sizes.human(stored)))
        .append(row("layer bytes without sharing", Sizes.human(unshared)))
        .append(row("saved by sharing layers", Sizes.human(unshared - stored) + " (" + percent(unshared == 0 ? 0 : (double) (unshared - stored) / unshared) + ")"))
        .append("</table>\n");
    html.append(Bars.svg("layer bytes stored and without sharing", List.of(
        new Bars.Bar("stored (each layer once)", stored, Sizes.human(stored)),
        new Bars.Bar("without sharing (each image's layers)", unshared, Sizes.human(unshared))))).append('\n');
  }

  private void sharedLayers() {
    List<Map.Entry<String, Integer>> shared = mirror.mostSharedLayers(SHARED_LAYERS);
    html.append("<h2>Layers shared by the most images</h2>\n");
    if (shared.isEmpty()) {
      html.append("<p>No layer is used by more than one image.</p>\n");
      return;
    }
    List<Bars.Bar> bars = new ArrayList<>();
    for (Map.Entry<String, Integer> e : shared) {
      bars.add(new Bars.Bar(e.getKey(), e.getValue(), e.getValue() + " images, " + Sizes.human(mirror.size(e.getKey()))));
    }
    html.append(Bars.svg("layers shared by the most images", bars)).append('\n');
  }

  private void directories() {
    html.append("<h2>Biggest directories</h2>\n<p class=\"muted\">File bytes of every image's merged view, summed over the images, for directories up to ")
        .append(DirectoryTotals.DEPTH).append(" levels deep.</p>\n");
    List<Bars.Bar> bars = mirror.biggestDirectories().stream()
        .map(d -> new Bars.Bar("/" + d.path(), d.bytes(), Sizes.human(d.bytes()))).toList();
    html.append(bars.isEmpty() ? "<p>No files.</p>" : Bars.svg("biggest directories", bars)).append('\n');
  }

  private void images() {
    html.append("<h2>Images</h2>\n");
    for (ImageRow image : mirror.images()) {
      html.append("<section class=\"image\"><h3>").append(Html.escape(image.ref()));
      if (!image.platform().isEmpty()) {
        html.append(" <span class=\"muted\">").append(Html.escape(image.platform())).append("</span>");
      }
      html.append("</h3>\n<p><code>").append(Html.escape(image.digest())).append("</code> · ")
          .append(image.files()).append(" paths, ").append(Sizes.human(image.mergedBytes())).append(" of files; wasted ")
          .append(Sizes.human(image.wastedBytes())).append(", efficiency ").append(percent(image.efficiency()))
          .append(" · <a href=\"").append(Html.escape(link(CatalogReader.mergedView(catalog, image.digest()))))
          .append("\">merged view</a></p>\n");
      layers(image);
      largestFiles(image);
      html.append("</section>\n");
    }
  }

  private void layers(ImageRow image) {
    html.append("<table><tr><th class=\"n\">#</th><th>layer</th><th>compression</th><th class=\"n\">compressed</th>")
        .append("<th class=\"n\">uncompressed</th><th class=\"n\">file bytes</th></tr>");
    List<Bars.Bar> bars = new ArrayList<>();
    for (int i = 0; i < image.layers().size(); i++) {
      String digest = image.layers().get(i);
      LayerRow layer = mirror.layers().get(digest);
      html.append("<tr><td class=\"n\">").append(i + 1).append("</td><td><code title=\"").append(Html.escape(digest)).append("\">")
          .append(Html.escape(shortDigest(digest))).append("</code></td>");
      if (layer == null) {
        html.append("<td colspan=\"4\">not in layers.jsonl</td></tr>");
        continue;
      }
      html.append("<td>").append(Html.escape(layer.compression())).append("</td><td class=\"n\">").append(Sizes.human(layer.size()))
          .append("</td><td class=\"n\">").append(Sizes.human(layer.uncompressedSize())).append("</td><td class=\"n\">")
          .append(Sizes.human(layer.fileBytes())).append("</td></tr>");
      bars.add(new Bars.Bar((i + 1) + ": " + shortDigest(digest), layer.uncompressedSize(), Sizes.human(layer.uncompressedSize())));
    }
    html.append("</table>\n");
    if (!bars.isEmpty()) {
      html.append(Bars.svg("uncompressed size of each layer", bars)).append('\n');
    }
  }

  private void largestFiles(ImageRow image) {
    if (image.largestFiles().isEmpty()) {
      return;
    }
    html.append("<table><tr><th>largest files</th><th class=\"n\">size</th></tr>");
    for (FileSize f : image.largestFiles()) {
      html.append("<tr><td><code>/").append(Html.escape(f.path())).append("</code></td><td class=\"n\">")
          .append(Sizes.human(f.bytes())).append("</td></tr>");
    }
    html.append("</table>\n");
  }

  /** A relative URL from the page to {@code file}, every path segment percent-encoded. */
  private String link(Path file) {
    Path relative = reportDir.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize());
    List<String> segments = new ArrayList<>();
    for (Path segment : relative) {
      try {
        // The URI constructor quotes what a path may not hold; '?', '#' and ':' it leaves, so they are done here.
        String quoted = new URI(null, null, segment.toString(), null).getRawPath();
        segments.add(quoted.replace("?", "%3F").replace("#", "%23").replace(":", "%3A"));
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(file + ": cannot be linked: " + e.getMessage(), e);
      }
    }
    return String.join("/", segments);
  }

  private static String shortDigest(String digest) {
    int colon = digest.indexOf(':');
    return digest.length() > colon + 13 ? digest.substring(0, colon + 13) : digest;
  }

  private static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f %%", fraction * 100);
  }

  private static String row(String name, String value) {
    return "<tr><td>" + Html.escape(name) + "</td><td class=\"n\">" + Html.escape(value) + "</td></tr>";
  }
}
