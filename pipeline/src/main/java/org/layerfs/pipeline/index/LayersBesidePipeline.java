package org.layerfs.pipeline.index;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.transforms.layer.IndexLayers;
import org.layerfs.transforms.layer.LayerCache;
import org.layerfs.transforms.layer.LayerIndexer;
import org.layerfs.transforms.layer.LayerMetrics;
import org.layerfs.transforms.layer.LayerOutcome;
import org.layerfs.transforms.layer.LayerRef;

/**
 * A cold index's layers (or a cold unpack's) read beside the pipeline, when the default runner
 * would run it on this machine: one thread per core, each with its own {@link LayerIndexer} (and
 * so its own read-ahead thread), the largest layer first so that the longest starts first. Each layer goes
 * into the cache as the pipeline's reading step puts it there. Of a cold index of the benchmark
 * corpus, Beam's start, its JIT and its per-bundle evaluators were about half of the CPU (README,
 * A cold index beside the pipeline).
 */
public final class LayersBesidePipeline {
  /**
   * What was read: the outcomes of the layers now in the cache (by digest), the digests of those
   * decompressed here, and those whose damaged cache entries were found here.
   */
  public record Read(Map<String, LayerOutcome> usable, Set<String> decompressed, Set<String> damagedEntries) {
    public static final Read NOTHING = new Read(Map.of(), Set.of(), Set.of());
  }

  private LayersBesidePipeline() {}

  /**
   * Indexes {@code missing} (distinct layers, at least one) into {@code cache}. Progress counts them against
   * the job's {@code layersTotal} layers of {@code bytesTotal} bytes, those not missing done already. A layer that fails, is
   * foreign or throws is left out of {@link Read#usable}: the pipeline reads it again and reports it,
   * counting what was read here as if it had read it ({@link IndexLayers#readBefore}).
   */
  public static Read read(List<LayerRef> missing, int layersTotal, long bytesTotal, LayerCache cache, RegistryConfig registry,
      Progress progress) throws IOException {
    Map<String, Long> counters = new ConcurrentHashMap<>(Map.of(
        LayerMetrics.LAYERS_TOTAL, (long) layersTotal,
        LayerMetrics.LAYERS_CACHED, (long) (layersTotal - missing.size()),
        LayerMetrics.BYTES_TOTAL, bytesTotal,
        LayerMetrics.BYTES_DONE, bytesTotal - missing.stream().mapToLong(l -> l.descriptor().size()).sum()));
    ConcurrentLinkedQueue<LayerRef> largestFirst = new ConcurrentLinkedQueue<>(missing.stream()
        .sorted(Comparator.comparingLong((LayerRef l) -> l.descriptor().size()).reversed()).toList());
    Map<String, LayerOutcome> usable = new ConcurrentHashMap<>();
    Set<String> decompressed = ConcurrentHashMap.newKeySet();
    Set<String> damaged = ConcurrentHashMap.newKeySet();
    int threads = Math.min(missing.size(), Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(threads,
        new ThreadFactoryBuilder().setDaemon(true).setNameFormat("layerfs-index-%d").build());
    try {
      List<Future<Void>> workers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        workers.add(pool.submit(() -> {
          try (LayerIndexer indexer = new LayerIndexer(cache, registry)) {
            for (LayerRef layer = largestFirst.poll(); layer != null; layer = largestFirst.poll()) {
              Optional<LayerIndexer.Indexed> indexed = indexOrLeave(indexer, layer);
              if (indexed.isEmpty()) {
                continue;
              }
              LayerIndexer.Indexed done = indexed.get();
              String digest = layer.descriptor().digest().toString();
              if (done.damagedEntry()) {
                damaged.add(digest);
              }
              LayerOutcome outcome = done.outcome();
              if (outcome.kind() == LayerOutcome.Kind.INDEXED) {
                decompressed.add(digest);
              }
              if (outcome.kind() == LayerOutcome.Kind.INDEXED || outcome.kind() == LayerOutcome.Kind.CACHED) {
                usable.put(digest, outcome);
                counters.merge(outcome.kind() == LayerOutcome.Kind.INDEXED ? LayerMetrics.LAYERS_INDEXED : LayerMetrics.LAYERS_CACHED,
                    1L, Long::sum);
                counters.merge(LayerMetrics.BYTES_DONE, layer.descriptor().size(), Long::sum);
                progress.update(name -> counters.getOrDefault(name, 0L));
              }
            }
          }
          return null;
        }));
      }
      for (Future<Void> worker : workers) {
        worker.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while indexing layers", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException closing) {
        throw closing; // closing a store
      }
      throw new IllegalStateException("indexing a layer failed unexpectedly", e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return new Read(Map.copyOf(usable), Set.copyOf(decompressed), Set.copyOf(damaged));
  }

  /** The layer's outcome, or none when indexing it threw: the pipeline then reads it, and fails or reports as it does. */
  private static Optional<LayerIndexer.Indexed> indexOrLeave(LayerIndexer indexer, LayerRef layer) {
    try {
      return Optional.of(indexer.index(layer));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
