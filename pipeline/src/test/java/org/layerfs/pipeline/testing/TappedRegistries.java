package org.layerfs.pipeline.testing;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.io.registry.RequestTap;

/**
 * A source and a destination docker-registry, each behind a {@link RequestTap} that counts the
 * requests made through it: what the tests of a copy's requests start once per class. Registered
 * as {@code @RegisterExtension static final TappedRegistries registries = new TappedRegistries();}
 * it starts both before the class's {@code @BeforeAll} methods (which may fill them), forgets the
 * counts before each test, and stops both after the class.
 */
public final class TappedRegistries implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
  public RegistryServer source;
  public RegistryServer destination;
  public RequestTap sourceTap;
  public RequestTap destinationTap;
  private Path dir;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("layerfs-registries");
    source = RegistryServer.start(dir.resolve("source"));
    destination = RegistryServer.start(dir.resolve("destination"));
    sourceTap = new RequestTap(source.host());
    destinationTap = new RequestTap(destination.host());
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    clear();
  }

  /** Forgets the requests counted so far, at both ends. */
  public void clear() {
    sourceTap.clear();
    destinationTap.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    sourceTap.close();
    destinationTap.close();
    source.close();
    destination.close();
    MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
  }
}
