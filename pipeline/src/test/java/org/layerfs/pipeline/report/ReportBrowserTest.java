package org.layerfs.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;

/** The report of the sample images, rendered by a real browser. */
class ReportBrowserTest {
  @TempDir Path tmp;

  @Test
  void rendersChartsAndTextWithoutConsoleErrors() throws Exception {
    Path page = tmp.resolve("report.html");
    Cli.Result result = Cli.run("report", Fixtures.shared().out.toString(), "--out", page.toString());
    assertEquals(0, result.exit(), result::toString);

    HeadlessChromium.Shot shot = HeadlessChromium.screenshot(page, tmp.resolve("report.png"), tmp);
    assertEquals(List.of(), shot.console(), "the browser's console");
    BufferedImage image = ImageIO.read(shot.png().toFile());
    assertEquals(1280, image.getWidth());
    Set<Integer> colours = new HashSet<>();
    long notWhite = 0;
    long barBlue = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        notWhite += rgb == 0xffffff ? 0 : 1;
        barBlue += rgb == 0x3b7dd8 ? 1 : 0;
      }
    }
    assertTrue(colours.size() > 20, "text is anti-aliased into many shades: " + colours.size());
    assertTrue(notWhite > image.getWidth() * image.getHeight() / 100, "not blank: " + notWhite + " pixels");
    assertTrue(barBlue > 10_000, "the SVG bars are drawn: " + barBlue + " pixels of their colour");
  }

  /** The check above would see a page that loads anything from outside: the browser says so on its console. */
  @Test
  void theConsoleCheckSeesABlockedLoad() throws Exception {
    Path page = tmp.resolve("external.html");
    Files.writeString(page, "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
        + "</head><body><img src=\"http://127.0.0.1:9/x.png\"><p>x</p></body></html>");
    HeadlessChromium.Shot shot = HeadlessChromium.screenshot(page, tmp.resolve("external.png"), tmp);
    assertFalse(shot.console().isEmpty(), "no console line for a blocked image");
    assertTrue(shot.console().get(0).contains("Content Security Policy"), shot.console().toString());
  }
}
