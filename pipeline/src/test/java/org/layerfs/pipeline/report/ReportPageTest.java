package org.layerfs.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.ImageJson;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;

/** The page: every name escaped, nothing loaded from outside, links relative to where it is written. */
class ReportPageTest {
  private static final String MANIFEST = "sha256:" + "a".repeat(64);
  private static final String LAYER = "sha256:" + "b".repeat(64);
  private static final String HOSTILE_REF = "oci:mirror:<script>alert(\"ref\")</script>'&";
  private static final String HOSTILE_PATH = "etc/<img src=x onerror=alert(1)>\"\ufffd\u0001.conf";

  @TempDir Path tmp;

  /** A catalog written by hand with the names an image may carry. */
  private Path hostileCatalog() throws Exception {
    Path catalog = tmp.resolve("cat alog#1");
    Files.createDirectories(catalog.resolve("merged/sha256"));
    ObjectNode image = ImageJson.mapper().createObjectNode().put("ref", HOSTILE_REF).put("digest", MANIFEST)
        .put("platform", "linux/amd64").put("files", 2).put("totalBytes", 7).put("mergedBytes", 7).put("wastedBytes", 0)
        .put("efficiency", 1.0);
    image.putArray("layers").add(LAYER);
    Files.writeString(catalog.resolve("images.jsonl"), image + "\n", StandardCharsets.UTF_8);
    ObjectNode layer = ImageJson.mapper().createObjectNode().put("digest", LAYER).put("compression", "gzip<")
        .put("size", 100).put("uncompressedSize", 2048).put("entries", 2).put("fileBytes", 7);
    Files.writeString(catalog.resolve("layers.jsonl"), layer + "\n", StandardCharsets.UTF_8);
    ObjectNode dir = ImageJson.mapper().createObjectNode().put("path", "etc").put("type", "dir").put("size", 0);
    ObjectNode file = ImageJson.mapper().createObjectNode().put("path", HOSTILE_PATH).put("type", "file").put("size", 7);
    Files.writeString(catalog.resolve("merged/sha256/" + "a".repeat(64) + ".jsonl"), dir + "\n" + file + "\n", StandardCharsets.UTF_8);
    return catalog;
  }

  @Test
  void namesAreEscapedWhateverTheyHold() throws Exception {
    Path catalog = hostileCatalog();
    Cli.Result result = Cli.run("report", catalog.toString());
    assertEquals(0, result.exit(), result::toString);
    String page = Files.readString(catalog.resolve("report.html"), StandardCharsets.UTF_8);
    assertFalse(page.contains("<script"), page);
    assertFalse(page.contains("<img"), page);
    assertFalse(page.contains("gzip<"), page);
    assertTrue(page.contains("oci:mirror:&lt;script&gt;alert(&quot;ref&quot;)&lt;/script&gt;&#39;&amp;"), page);
    assertTrue(page.contains("/etc/&lt;img src=x onerror=alert(1)&gt;&quot;\ufffd\\x01.conf"), page);
    assertTrue(page.contains("<svg"), "charts are inline SVG");
  }

  @Test
  void loadsNothingFromOutsideThePage() throws Exception {
    String page = Files.readString(Path.of(render()), StandardCharsets.UTF_8);
    assertFalse(Pattern.compile("<script|<link|<img|<iframe|@import|url\\(|src=", Pattern.CASE_INSENSITIVE).matcher(page).find(), page);
    assertTrue(page.contains("Content-Security-Policy\" content=\"default-src 'none'"), "a browser refuses anything external");
  }

  private String render() {
    Path out = tmp.resolve("sample.html");
    Cli.Result result = Cli.run("report", Fixtures.shared().out.toString(), "--out", out.toString());
    assertEquals(0, result.exit(), result::toString);
    assertTrue(result.out().contains("report: "), result.out());
    return out.toString();
  }

  @Test
  void mergedViewLinksAreRelativeToThePage() throws Exception {
    Path catalog = hostileCatalog();
    Path elsewhere = tmp.resolve("pages/report.html");
    assertEquals(0, Cli.run("report", catalog.toString(), "--out", elsewhere.toString()).exit());
    String page = Files.readString(elsewhere, StandardCharsets.UTF_8);
    Matcher link = Pattern.compile("<a href=\"([^\"]*)\">merged view</a>").matcher(page);
    assertTrue(link.find(), page);
    assertEquals("../cat%20alog%231/merged/sha256/" + "a".repeat(64) + ".jsonl", link.group(1));
    Path target = elsewhere.getParent().resolve(java.net.URLDecoder.decode(link.group(1), StandardCharsets.UTF_8)).normalize();
    assertTrue(Files.isRegularFile(target), target.toString());
  }

  @Test
  void aDirectoryWithoutCatalogIsRefusedNamingIt() {
    Cli.Result result = Cli.run("report", tmp.toString());
    assertEquals(1, result.exit(), result::toString);
    assertTrue(result.err().contains(tmp.resolve("images.jsonl") + ": not a catalog"), result.err());
  }

  @Test
  void unknownOptionsAreRefusedWithTheCommandsOwnList() {
    Cli.Result result = Cli.run("report", tmp.toString(), "--tls-verify=false");
    assertEquals(2, result.exit(), result::toString);
    assertTrue(result.err().contains("layerfs: report: unknown option --tls-verify\nreport takes --out FILE\n"), result.err());
  }
}
