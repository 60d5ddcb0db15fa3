package org.layerfs.pipeline.testing;

import java.nio.file.Path;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.io.registry.RequestTap;

/**
 * A source and a destination docker-registry, each behind a {@link RequestTap} that counts the
 * requests made through it: what the tests of a copy's requests start once per class.
 */
public final class TappedRegistries implements AutoCloseable {
  public final RegistryServer source;
  public final RegistryServer destination;
  public final RequestTap sourceTap;
  public final RequestTap destinationTap;

  private TappedRegistries(RegistryServer source, RegistryServer destination) throws Exception {
    this.source = source;
    this.destination = destination;
    this.sourceTap = new RequestTap(source.host());
    this.destinationTap = new RequestTap(destination.host());
  }

  /** Both registries, storing under {@code dir}. */
  public static TappedRegistries start(Path dir) throws Exception {
    return new TappedRegistries(RegistryServer.start(dir.resolve("source")), RegistryServer.start(dir.resolve("destination")));
  }

  /** Forgets the requests counted so far, at both ends. */
  public void clear() {
    sourceTap.clear();
    destinationTap.clear();
  }

  @Override
  public void close() throws Exception {
    sourceTap.close();
    destinationTap.close();
    source.close();
    destination.close();
  }
}
