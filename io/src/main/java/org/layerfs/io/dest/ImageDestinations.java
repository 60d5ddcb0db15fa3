package org.layerfs.io.dest;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import org.layerfs.io.archive.DockerArchiveDestination;
import org.layerfs.io.oci.OciLayoutDestination;
import org.layerfs.io.oci.StoreLock;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.registry.RegistryDestination;

/** Opens the {@link ImageDestination} a reference points into, and locks local stores for a job. */
public final class ImageDestinations {
  private ImageDestinations() {}

  /** Opens the destination, reaching registries with {@link RegistryConfig#defaults()}. */
  public static ImageDestination open(ImageReference reference) throws IOException {
    return open(reference, RegistryConfig.defaults());
  }

  /** Opens the destination; {@code registryConfig} applies to {@code docker://} references. */
  public static ImageDestination open(ImageReference reference, RegistryConfig registryConfig) throws IOException {
    return switch (reference.transport()) {
      case OCI -> OciLayoutDestination.at(Path.of(reference.location()));
      case DOCKER_ARCHIVE -> DockerArchiveDestination.at(Path.of(reference.location()));
      case DOCKER -> RegistryDestination.open(reference, registryConfig);
    };
  }

  /**
   * Keeps other jobs off the local store {@code reference} names until closed, and removes what
   * interrupted writes of earlier runs left in it; fails naming the holder when another job has
   * it. Registries need no lock: each push is atomic there.
   */
  public static Closeable lock(ImageReference reference) throws IOException {
    StoreLock lock = switch (reference.transport()) {
      case OCI -> StoreLock.layout(Path.of(reference.location()));
      case DOCKER_ARCHIVE -> StoreLock.archive(Path.of(reference.location()));
      case DOCKER -> null;
    };
    if (lock == null) {
      return () -> {};
    }
    try (ImageDestination store = open(reference)) {
      store.removeLeftovers();
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
    return lock;
  }
}
