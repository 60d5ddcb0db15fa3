package org.layerfs.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.layerfs.io.testing.Tools;

/**
 * Debian's chromium, headless, taking a screenshot of a local page. Every console message is
 * logged on its standard error ({@code --enable-logging=stderr --v=0}) as a line holding
 * {@code :CONSOLE}: a script error, or a load the page's Content-Security-Policy blocked.
 */
final class HeadlessChromium {
  /** The console lines chromium logged while it rendered the page. */
  record Shot(Path png, List<String> console) {}

  private HeadlessChromium() {}

  static Shot screenshot(Path page, Path png, Path scratch) throws IOException, InterruptedException {
    Path chromium = Tools.require("chromium");
    Path profile = Files.createTempDirectory(scratch, "chromium-profile");
    Path log = scratch.resolve("chromium-" + png.getFileName() + ".log");
    Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--screenshot=" + png,
        "--window-size=1280,2000", page.toUri().toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("chromium did not finish in 120 s; its log: " + log);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), () -> "chromium failed:\n" + output);
    return new Shot(png, output.lines().filter(l -> l.contains(":CONSOLE")).toList());
  }
}
