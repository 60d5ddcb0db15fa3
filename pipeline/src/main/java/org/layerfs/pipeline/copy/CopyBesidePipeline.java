package org.layerfs.pipeline.copy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.pipeline.run.JobMetrics;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.transforms.copy.BlobCopy;
import org.layerfs.transforms.copy.BlobOutcome;
import org.layerfs.transforms.copy.BlobRoute;
import org.layerfs.transforms.copy.CopyMetrics;
import org.layerfs.transforms.copy.CopyOutcome;
import org.layerfs.transforms.copy.CopyPlan;
import org.layerfs.transforms.copy.CopyPlans;
import org.layerfs.transforms.copy.CopyRequest;
import org.layerfs.transforms.copy.DestinationCommit;
import org.layerfs.transforms.copy.InStepRepositories;
import org.layerfs.transforms.copy.OpenStores;
import org.layerfs.transforms.layer.LayerMetrics;

/**
 * A copy or sync on the default direct runner, done beside the pipeline by the same steps: each
 * blob's {@link BlobRoute} copied once (pulled once, pushed once per destination registry,
 * mounted into its other repositories), the largest first, and each destination's images
 * committed by {@link DestinationCommit} as soon as every blob they reference is done. For such a
 * copy the pipeline added only its own cost: Beam's options, the pipeline's construction and the
 * direct runner's bookkeeping were about a second of wall time and 2 CPU s of a sync of the
 * benchmark corpus into a layout, and over a wide-area link several seconds with no request
 * before the first blob (README, "Sync beside the pipeline", "Registry copies beside the
 * pipeline").
 */
final class CopyBesidePipeline {
  /**
   * Routes copied at once when one touches a registry: they wait on round trips, not on a core.
   * As many as the pipeline had in flight on the direct runner (two keys of four routes).
   */
  static final int NETWORK_ROUTES = 2 * CopyRequest.DEFAULT_CONCURRENCY;

  private final Map<String, Long> counters = new ConcurrentHashMap<>();
  private final Progress progress;

  private CopyBesidePipeline(Progress progress) {
    this.progress = progress;
  }

  /** True when a job goes beside the pipeline: not a move (whose removal from the source is a step of its pipeline), and no Beam option given. */
  static boolean applies(CopyJob.Mode mode, boolean defaultRunner) {
    return defaultRunner && mode != CopyJob.Mode.MOVE;
  }

  /**
   * Copies the blobs of {@code planned}, commits its images; the outcomes and the counters a
   * pipeline would have had. Through the {@code stores} planning opened: their registry clients,
   * tokens and TLS choices serve the copy too.
   */
  static CopyJob.Copied run(CopyPlans planned, OpenStores stores, Progress progress) throws IOException {
    return new CopyBesidePipeline(progress).copy(planned, stores);
  }

  private CopyJob.Copied copy(CopyPlans planned, OpenStores stores) throws IOException {
    Map<String, List<BlobCopy>> byRoute = new LinkedHashMap<>();
    for (CopyPlan plan : planned.toCopy()) {
      for (BlobCopy c : BlobCopy.of(plan)) {
        byRoute.computeIfAbsent(c.routeKey(), k -> new ArrayList<>()).add(c);
      }
    }
    Map<String, BlobRoute> routes = new LinkedHashMap<>();
    Map<String, CompletableFuture<Void>> routeDone = new LinkedHashMap<>();
    byRoute.forEach((key, copies) -> {
      BlobRoute route = BlobRoute.of(copies);
      routes.put(key, route);
      routeDone.put(key, new CompletableFuture<>());
      add(CopyMetrics.BLOBS_TOTAL, route.destinations());
      add(LayerMetrics.BYTES_TOTAL, route.blob().size() * route.destinations());
    });
    // The largest first: the shared base layer is the longest copy, and the last to finish is then a small one.
    List<String> largestFirst = new ArrayList<>(routes.keySet());
    largestFirst.sort(Comparator.comparingLong((String key) -> routes.get(key).blob().size()).reversed());
    Map<String, BlobOutcome> blobs = new ConcurrentHashMap<>();
    Map<String, List<CopyPlan>> byDestination = new LinkedHashMap<>();
    planned.toCopy().forEach(p -> byDestination.computeIfAbsent(p.destination().toString(), k -> new ArrayList<>()).add(p));
    Map<String, List<CopyOutcome>> committed = new ConcurrentHashMap<>();
    // A destination commits in the thread that finishes its last blob, before that thread takes the next route.
    List<CompletableFuture<Void>> commits = new ArrayList<>();
    for (Map.Entry<String, List<CopyPlan>> destination : byDestination.entrySet()) {
      CompletableFuture<?>[] needed = destination.getValue().stream().flatMap(p -> BlobCopy.of(p).stream())
          .map(c -> routeDone.get(c.routeKey())).distinct().toArray(CompletableFuture[]::new);
      commits.add(CompletableFuture.allOf(needed)
          .thenRun(() -> committed.put(destination.getKey(), commit(destination.getValue(), blobs, stores))));
    }
    InStepRepositories inStep = InStepRepositories.of(planned.settled());
    boolean network = planned.toCopy().stream().anyMatch(CopyBesidePipeline::touchesRegistry);
    ExecutorService threads = Executors.newFixedThreadPool(network ? NETWORK_ROUTES : Runtime.getRuntime().availableProcessors(),
        new ThreadFactoryBuilder().setDaemon(true).setNameFormat("layerfs-copy-%d").build());
    try {
      for (String key : largestFirst) {
        BlobRoute route = routes.get(key);
        CompletableFuture<Void> done = routeDone.get(key);
        threads.execute(() -> {
          try {
            route.copy(stores, inStep).forEach(o -> {
              count(o, route.blob().size());
              blobs.put(o.key(), o);
            });
            done.complete(null);
          } catch (Throwable e) {
            // Any failure, an Error too: a route left incomplete would keep its destination's commit, and the job, waiting.
            done.completeExceptionally(e);
          }
        });
      }
      CompletableFuture.allOf(commits.toArray(CompletableFuture[]::new)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while copying", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("copying a blob failed unexpectedly", e.getCause());
    } finally {
      threads.shutdownNow();
    }
    progress.finish(JobMetrics.of(counters));
    List<JsonNode> images = new ArrayList<>();
    byDestination.keySet().forEach(d -> committed.get(d).forEach(o -> images.add(o.toReportJson())));
    planned.settled().forEach(o -> images.add(o.toReportJson()));
    return new CopyJob.Copied(images, name -> counters.getOrDefault(name, 0L));
  }

  /** Commits one destination's images in {@link DestinationCommit}'s order, counting them as {@code CommitImages} does. */
  private List<CopyOutcome> commit(List<CopyPlan> plans, Map<String, BlobOutcome> blobs, OpenStores stores) {
    List<CopyOutcome> outcomes = new ArrayList<>();
    for (CopyPlan plan : DestinationCommit.inOrder(plans)) {
      CopyOutcome outcome = DestinationCommit.commit(plan, blobs, stores, false);
      if (plan.isReferrer()) {
        add(CopyMetrics.REFERRERS_TOTAL, 1);
      }
      add(plan.isReferrer() ? (outcome.isFailed() ? CopyMetrics.REFERRERS_FAILED : CopyMetrics.REFERRERS_DONE)
          : (outcome.isFailed() ? LayerMetrics.IMAGES_FAILED : LayerMetrics.IMAGES_DONE), 1);
      outcomes.add(outcome);
    }
    return outcomes;
  }

  private static boolean touchesRegistry(CopyPlan p) {
    return p.source().transport() == ImageReference.Transport.DOCKER || p.destination().transport() == ImageReference.Transport.DOCKER;
  }

  /** Counts one blob's outcome as {@code CopyBlobs} does, and shows the progress. */
  private void count(BlobOutcome o, long size) {
    if (o.error().isPresent()) {
      add(CopyMetrics.BLOBS_FAILED, 1);
    } else {
      add(o.copied() ? CopyMetrics.BLOBS_COPIED : CopyMetrics.BLOBS_PRESENT, 1);
      add(LayerMetrics.BYTES_DONE, size);
      add(CopyMetrics.BYTES_COPIED, o.bytes());
    }
    progress.update(name -> counters.getOrDefault(name, 0L));
  }

  private void add(String counter, long n) {
    counters.merge(counter, n, Long::sum);
  }
}
