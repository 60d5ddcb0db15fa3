package org.layerfs.io.registry;

import static com.google.common.base.Preconditions.checkArgument;

import org.layerfs.io.ref.ImageReference;

/**
 * A registry host and a repository in it, from a {@code docker://} reference. Docker Hub's short
 * names are expanded as docker does: {@code docker.io/debian} is {@code library/debian} at
 * {@code registry-1.docker.io}.
 */
public record RegistryLocation(String registry, String repository) {
  private static final String DOCKER_HUB = "docker.io";
  private static final String DOCKER_HUB_API = "registry-1.docker.io";

  public static RegistryLocation of(ImageReference reference) {
    checkArgument(
        reference.transport() == ImageReference.Transport.DOCKER, "not a docker:// reference: %s", reference);
    String location = reference.location();
    int slash = location.indexOf('/');
    String host = location.substring(0, slash);
    String repository = location.substring(slash + 1);
    if (host.equals(DOCKER_HUB) || host.equals("index.docker.io") || host.equals(DOCKER_HUB_API)) {
      return new RegistryLocation(DOCKER_HUB_API, repository.contains("/") ? repository : "library/" + repository);
    }
    return new RegistryLocation(host, repository);
  }

  @Override
  public String toString() {
    return registry + "/" + repository;
  }
}
