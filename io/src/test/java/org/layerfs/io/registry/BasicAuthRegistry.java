package org.layerfs.io.registry;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real docker-registry behind htpasswd basic auth for one user, started before a test class's
 * tests and stopped after them, with its storage:
 * {@code @RegisterExtension static final BasicAuthRegistry REGISTRY = new BasicAuthRegistry(USER, PASSWORD);}
 */
public final class BasicAuthRegistry implements BeforeAllCallback, AfterAllCallback {
  private final String user;
  private final String password;
  private Path dir;
  private RegistryServer server;

  public BasicAuthRegistry(String user, String password) {
    this.user = user;
    this.password = password;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("layerfs-basic-auth-");
    server = RegistryServer.startWithBasicAuth(dir.resolve("registry"), user, password);
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (server != null) {
      server.close();
    }
    MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
  }

  /** The running registry. */
  public RegistryServer server() {
    return server;
  }
}
