package org.layerfs.pipeline.copy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
import org.layerfs.transforms.copy.DestinationCommit;
import org.layerfs.transforms.copy.OpenStores;
import org.layerfs.transforms.layer.LayerMetrics;

/**
 * A copy or sync between stores on this machine's disk (layouts, archives) on the default direct
 * runner, done beside the pipeline by the same steps: each blob's {@link BlobRoute} copied once,
 * on one thread per core, the largest first, then each destination's images committed by {@link
 * DestinationCommit}. For such a copy the pipeline added only its own cost: Beam's options, the
 * pipeline's construction and the direct runner's rewrites and bookkeeping were about a second
 * of wall time and 2 CPU s of a sync of the benchmark corpus, whose copying (read, SHA-256,
 * write) takes less (README, "Sync beside the pipeline").
 */
final class LocalCopy {
  private final Map<String, Long> counters = new ConcurrentHashMap<>();
  private final Progress progress;

  private LocalCopy(Progress progress) {
    this.progress = progress;
  }

  /** True when every plan reads and writes files only, and the job is not a move (whose removal from the source is a step of its pipeline). */
  static boolean applies(CopyPlans planned, CopyJob.Mode mode) {
    return mode != CopyJob.Mode.MOVE && planned.toCopy().stream()
        .allMatch(p -> p.source().transport() != ImageReference.Transport.DOCKER && p.destination().transport() != ImageReference.Transport.DOCKER);
  }

  /** Copies the blobs of {@code planned}, commits its images; the outcomes and the counters a pipeline would have had. */
  static CopyJob.Copied run(CopyPlans planned, Progress progress) throws IOException {
    return new LocalCopy(progress).copy(planned);
  }

  private CopyJob.Copied copy(CopyPlans planned) throws IOException {
    Map<String, List<BlobCopy>> byRoute = new LinkedHashMap<>();
    for (CopyPlan plan : planned.toCopy()) {
      for (BlobCopy c : BlobCopy.of(plan)) {
        byRoute.computeIfAbsent(c.routeKey(), k -> new ArrayList<>()).add(c);
      }
    }
    List<BlobRoute> routes = new ArrayList<>(byRoute.values().stream().map(BlobRoute::of).toList());
    // The largest first, so that the last blob to finish is a small one and both cores copy until near the end.
    routes.sort(Comparator.comparingLong((BlobRoute r) -> r.blob().size()).reversed());
    for (BlobRoute route : routes) {
      add(CopyMetrics.BLOBS_TOTAL, route.destinations());
      add(LayerMetrics.BYTES_TOTAL, route.blob().size() * route.destinations());
    }
    Map<String, BlobOutcome> blobs = new ConcurrentHashMap<>();
    List<CopyOutcome> outcomes = new ArrayList<>();
    try (OpenStores stores = new OpenStores()) {
      ExecutorService threads = Executors.newFixedThreadPool(
          Runtime.getRuntime().availableProcessors(), new ThreadFactoryBuilder().setDaemon(true).setNameFormat("layerfs-local-copy-%d").build());
      try {
        List<Future<?>> copies = new ArrayList<>();
        for (BlobRoute route : routes) {
          copies.add(threads.submit(() -> route.copy(stores).forEach(o -> {
            count(o, route.blob().size());
            blobs.put(o.key(), o);
          })));
        }
        for (Future<?> f : copies) {
          f.get();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while copying blobs", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("copying a blob failed unexpectedly", e.getCause());
      } finally {
        threads.shutdownNow();
      }
      Map<String, List<CopyPlan>> byDestination = new LinkedHashMap<>();
      planned.toCopy().forEach(p -> byDestination.computeIfAbsent(p.destination().toString(), k -> new ArrayList<>()).add(p));
      for (List<CopyPlan> plans : byDestination.values()) {
        for (CopyPlan plan : DestinationCommit.inOrder(plans)) {
          CopyOutcome outcome = DestinationCommit.commit(plan, blobs, stores, false);
          if (plan.isReferrer()) {
            add(CopyMetrics.REFERRERS_TOTAL, 1);
          }
          add(plan.isReferrer() ? (outcome.isFailed() ? CopyMetrics.REFERRERS_FAILED : CopyMetrics.REFERRERS_DONE)
              : (outcome.isFailed() ? LayerMetrics.IMAGES_FAILED : LayerMetrics.IMAGES_DONE), 1);
          outcomes.add(outcome);
        }
      }
    }
    progress.finish(JobMetrics.of(counters));
    List<JsonNode> images = new ArrayList<>();
    outcomes.forEach(o -> images.add(o.toReportJson()));
    planned.settled().forEach(o -> images.add(o.toReportJson()));
    return new CopyJob.Copied(images, name -> counters.getOrDefault(name, 0L));
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
