package org.layerfs.io.registry;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.layerfs.io.model.Digest;

/**
 * The manifests, indexes and configs a run has fetched, by digest, whichever repository served
 * them: a digest names its bytes, so a document that several tags or repositories share is
 * fetched once per run, even when they ask for it at the same time (the others wait for the
 * first). Held as long as the run's sources; a few kilobytes an image.
 */
public final class DocumentCache {
  /** Fetches one document; its failure is every waiter's. */
  interface Fetch<T> {
    T fetch() throws IOException;
  }

  private final Map<Digest, CompletableFuture<RemoteManifest>> manifests = new ConcurrentHashMap<>();
  private final Map<Digest, CompletableFuture<byte[]>> configs = new ConcurrentHashMap<>();

  /** The manifest or index with {@code digest}, fetched by {@code fetch} unless fetched already. */
  RemoteManifest manifest(Digest digest, Fetch<RemoteManifest> fetch) throws IOException {
    return once(manifests, digest, fetch);
  }

  /** Keeps a manifest fetched by tag, so that asking for its digest fetches nothing. */
  void putManifest(RemoteManifest manifest) {
    manifests.putIfAbsent(manifest.descriptor().digest(), CompletableFuture.completedFuture(manifest));
  }

  /** The config with {@code digest} (read whole and verified by {@code fetch}); a copy, so no reader changes another's. */
  byte[] config(Digest digest, Fetch<byte[]> fetch) throws IOException {
    return once(configs, digest, fetch).clone();
  }

  private static <T> T once(Map<Digest, CompletableFuture<T>> documents, Digest digest, Fetch<T> fetch) throws IOException {
    CompletableFuture<T> mine = new CompletableFuture<>();
    CompletableFuture<T> first = documents.putIfAbsent(digest, mine);
    if (first == null) {
      try {
        mine.complete(fetch.fetch());
      } catch (IOException | RuntimeException e) {
        // A failed fetch is not kept: the next one asks again.
        documents.remove(digest, mine);
        mine.completeExceptionally(e);
        throw e;
      }
      return mine.join();
    }
    try {
      return first.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while another thread fetched " + digest, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }
}
