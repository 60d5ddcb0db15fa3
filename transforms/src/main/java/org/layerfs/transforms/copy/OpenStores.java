package org.layerfs.transforms.copy;

import com.google.common.collect.Iterables;
import java.io.Closeable;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.dest.ImageDestinations;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.DocumentCache;
import org.layerfs.io.registry.ReferrersApi;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.registry.RegistryConnections;
import org.layerfs.io.registry.RegistryDestination;
import org.layerfs.io.registry.RegistrySource;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;

/**
 * The sources and destinations one DoFn instance (or the launcher, while it plans) has open,
 * reused across elements (a registry session, an indexed archive) and closed in its teardown.
 * Opened by whichever thread asks first: blob routes are copied side by side.
 */
public final class OpenStores implements Closeable {
  /**
   * Written out rather than left to the record: a record's own equals and hashCode are bootstrapped
   * through method handles on first use, about 20 ms of a sync with nothing to do (README, "Start-up, eighth session").
   */
  private record Key(ImageReference store, RegistryConfig config) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && store.equals(k.store) && config.equals(k.config);
    }

    @Override
    public int hashCode() {
      return 31 * store.hashCode() + config.hashCode();
    }
  }

  private final Map<Key, ImageSource> sources = new HashMap<>();
  private final Map<Key, ImageDestination> destinations = new HashMap<>();
  /** What the registry sources fetched, shared: a document several repositories hold is fetched once. */
  private final DocumentCache documents = new DocumentCache();
  /** Which registries have the referrers API, learnt once per run whichever store asked. */
  private final ReferrersApi referrersApi = new ReferrersApi();
  /** One HTTP client and one TLS probe per registry, not one per repository. */
  private final RegistryConnections connections = new RegistryConnections();

  public synchronized ImageSource source(ImageReference reference, RegistryConfig config) throws IOException {
    Key key = new Key(reference.store(), config);
    ImageSource s = sources.get(key);
    if (s == null) {
      s = key.store().transport() == ImageReference.Transport.DOCKER
          ? RegistrySource.open(key.store(), config, documents, referrersApi, connections)
          : ImageSources.open(key.store(), config);
      sources.put(key, s);
    }
    return s;
  }

  public synchronized ImageDestination destination(ImageReference reference, RegistryConfig config) throws IOException {
    Key key = new Key(reference.store(), config);
    ImageDestination d = destinations.get(key);
    if (d == null) {
      d = key.store().transport() == ImageReference.Transport.DOCKER
          ? RegistryDestination.open(key.store(), config, referrersApi, connections)
          : ImageDestinations.open(key.store(), config);
      destinations.put(key, d);
    }
    return d;
  }

  @Override
  public synchronized void close() throws IOException {
    IOException first = null;
    for (Closeable c : Iterables.concat(sources.values(), destinations.values())) {
      try {
        c.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    sources.clear();
    destinations.clear();
    connections.close();
    if (first != null) {
      throw first;
    }
  }
}
