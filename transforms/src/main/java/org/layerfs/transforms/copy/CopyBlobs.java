package org.layerfs.transforms.copy;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.transforms.layer.LayerMetrics;

/**
 * Copies the blobs of planned images: each (destination, digest) once per run however many
 * images share it, skipped when the destination has it. The destinations of one registry that
 * need a blob are one {@link BlobRoute}: the blob is streamed from the source once (verified
 * while the destination writes it) and mounted into the other repositories. Emits one {@link
 * BlobOutcome} per pair.
 *
 * <p>The routes between registries are spread over keys, {@link #ROUTES_PER_SHARD} routes a key
 * and at least {@link #MIN_SHARDS} keys (on the direct runner, one key per thread: {@link
 * #onThreads}), and each key's routes are copied a few at a time, the largest first ({@link
 * RoutesAtOnce}). A key per route made the direct runner
 * evaluate each step once per route (a bundle per key, each evaluation translating the step
 * anew) and copy only as many routes at once as it has threads, each waiting on its round trips.
 * A route that reads or writes files keeps a key of its own: the runner's threads balance those
 * by themselves, and a shard would copy its files one after another. The number of keys grows
 * with the mirror, so that a large one still spreads over every slot of a Flink cluster.
 */
public final class CopyBlobs extends PTransform<PCollection<CopyPlan>, PCollection<KV<String, BlobOutcome>>> {
  private static final long serialVersionUID = 1L;
  /** Keys the routes between registries are spread over in a small mirror. */
  static final int MIN_SHARDS = 8;
  /** Routes between registries a key takes in a large mirror: few bundles for the direct runner, a key per slot and more for Flink. */
  static final int ROUTES_PER_SHARD = 16;

  /** How many keys the routes between registries are spread over. */
  final int shards;

  /** Where a blob none of a route's repositories has may already be. */
  private final InStepRepositories inStep;

  private CopyBlobs(int shards, InStepRepositories inStep) {
    this.shards = shards;
    this.inStep = inStep;
  }

  /** Copies the blobs of {@code plans}, the plans the pipeline will be given. */
  public static CopyBlobs of(Collection<CopyPlan> plans) {
    return new CopyBlobs(shards(plans), InStepRepositories.none());
  }

  /**
   * Copies blobs on a runner that evaluates {@code threads} keys at a time and every key on one
   * machine (the direct runner): a key per thread. A key's copy ends with its slowest route, so
   * more keys than threads made them wait for each other; in the WAN mirror the shared base layer,
   * in the fifth of eight keys, began 7 s after the first routes (README, Mirroring over a
   * wide-area link).
   */
  public static CopyBlobs onThreads(int threads) {
    return new CopyBlobs(Math.max(1, threads), InStepRepositories.none());
  }

  /** These copies, a blob that none of a route's repositories has looked for in {@code inStep}'s first. */
  public CopyBlobs askingFirst(InStepRepositories inStep) {
    return new CopyBlobs(shards, inStep);
  }

  /** How many keys the routes between registries of {@code plans} are spread over. */
  static int shards(Collection<CopyPlan> plans) {
    long routes = plans.stream().flatMap(p -> BlobCopy.of(p).stream())
        .filter(BlobCopy::betweenRegistries).map(BlobCopy::routeKey).distinct().count();
    return (int) Math.max(MIN_SHARDS, (routes + ROUTES_PER_SHARD - 1) / ROUTES_PER_SHARD);
  }

  @Override
  public PCollection<KV<String, BlobOutcome>> expand(PCollection<CopyPlan> plans) {
    int shards = this.shards;
    return plans
        .apply("BlobsOfPlans", FlatMapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptor.of(BlobCopy.class)))
            .via((CopyPlan plan) -> BlobCopy.of(plan).stream().map(c -> KV.of(key(c, shards), c)).toList()))
        // No Reshuffle follows: the grouping already spreads the shards over the workers, and a
        // Reshuffle's five steps, evaluated bundle by bundle, were most of the direct runner's
        // own CPU time in a sync (README, Benchmark).
        .apply("GroupByShard", GroupByKey.create())
        .apply("Copy", ParDo.of(new CopyFn(inStep)));
  }

  /** The key of a copy: every copy of one route under the same one. */
  static String key(BlobCopy c, int shards) {
    return c.betweenRegistries() ? "shard " + Math.floorMod(c.routeKey().hashCode(), shards) : c.routeKey();
  }

  /**
   * The routes of a key's copies, the largest blob first: the mirror waits for its longest copy,
   * so that one starts at once (the WAN mirror's 48 MiB base layer was among the last).
   */
  static List<BlobRoute> routes(Iterable<BlobCopy> copies) {
    Map<String, List<BlobCopy>> byRoute = new LinkedHashMap<>();
    for (BlobCopy c : copies) {
      byRoute.computeIfAbsent(c.routeKey(), k -> new ArrayList<>()).add(c);
    }
    return byRoute.values().stream().map(BlobRoute::of)
        .sorted(Comparator.comparingLong((BlobRoute r) -> r.blob().size()).reversed()).toList();
  }

  /** Gathers a key's copies into routes and copies them. */
  private static final class CopyFn extends DoFn<KV<String, Iterable<BlobCopy>>, KV<String, BlobOutcome>> {
    private static final long serialVersionUID = 1L;
    private final Counter blobs = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.BLOBS_TOTAL);
    private final Counter bytes = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.BYTES_TOTAL);
    private final Counter copied = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.BLOBS_COPIED);
    private final Counter present = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.BLOBS_PRESENT);
    private final Counter failed = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.BLOBS_FAILED);
    private final Counter bytesDone = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.BYTES_DONE);
    private final Counter bytesCopied = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.BYTES_COPIED);
    private final InStepRepositories inStep;
    private transient OpenStores stores;
    private transient RoutesAtOnce routesAtOnce;

    CopyFn(InStepRepositories inStep) {
      this.inStep = inStep;
    }

    @Setup
    public void setup() {
      stores = new OpenStores();
      routesAtOnce = new RoutesAtOnce();
    }

    /** A retried bundle finds the blobs there and does not copy them again. */
    @ProcessElement
    public void process(@Element KV<String, Iterable<BlobCopy>> shard, OutputReceiver<KV<String, BlobOutcome>> out) {
      List<BlobRoute> routes = routes(shard.getValue());
      for (BlobRoute route : routes) {
        blobs.inc(route.destinations());
        bytes.inc(route.blob().size() * route.destinations());
      }
      // Counted and emitted here, not in the copying threads: Beam's counters and receiver are the bundle's thread's.
      List<ImmutableList<BlobOutcome>> outcomes = routesAtOnce.copy(routes, stores, inStep);
      for (int i = 0; i < routes.size(); i++) {
        long size = routes.get(i).blob().size();
        for (BlobOutcome o : outcomes.get(i)) {
          if (o.error().isPresent()) {
            failed.inc();
          } else {
            (o.copied() ? copied : present).inc();
            bytesDone.inc(size);
            bytesCopied.inc(o.bytes());
          }
          out.output(KV.of(o.key(), o));
        }
      }
    }

    @Teardown
    public void teardown() throws IOException {
      routesAtOnce.close();
      stores.close();
    }
  }
}
