package org.layerfs.transforms.copy;

import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Copies blob routes side by side, a few at a time: a route spends most of its time waiting for
 * round trips (a HEAD and a mount per destination, the pull, the push), so one at a time per
 * runner thread left a 20 ms link idle between them (README, Mirroring over a wide-area link).
 * The routes are independent: each has its own blob. Only routes between registries go side by
 * side; a route that reads or writes files (a layout, an archive) is copied in the caller's
 * thread, as before. One per DoFn instance; closed in its teardown.
 */
final class RoutesAtOnce implements AutoCloseable {
  /** As many as planning's default limit of requests in flight at a registry. */
  static final int ROUTES = CopyRequest.DEFAULT_CONCURRENCY;

  private final ExecutorService threads =
      Executors.newFixedThreadPool(ROUTES, new ThreadFactoryBuilder().setDaemon(true).setNameFormat("layerfs-blob-copy-%d").build());

  /**
   * Copies every route, asking {@code inStep}'s repositories for a blob none of a route's has; its
   * outcomes in the order of {@code routes}, each route's in its own order.
   */
  ImmutableList<ImmutableList<BlobOutcome>> copy(List<BlobRoute> routes, OpenStores stores, InStepRepositories inStep) {
    List<Future<ImmutableList<BlobOutcome>>> copied = new ArrayList<>();
    for (BlobRoute route : routes) {
      copied.add(route.betweenRegistries()
          ? threads.submit(() -> route.copy(stores, inStep)) : Futures.immediateFuture(route.copy(stores, inStep)));
    }
    return copied.stream().map(Futures::getUnchecked).collect(ImmutableList.toImmutableList());
  }

  @Override
  public void close() {
    threads.shutdownNow();
  }
}
