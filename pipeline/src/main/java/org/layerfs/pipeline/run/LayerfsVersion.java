package org.layerfs.pipeline.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** layerfs's own version, from the build (the Maven project version). */
public final class LayerfsVersion {
  private LayerfsVersion() {}

  public static String get() {
    try (InputStream in = LayerfsVersion.class.getResourceAsStream("/layerfs-version.properties")) {
      if (in == null) {
        throw new IllegalStateException("layerfs-version.properties is missing from the build");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
