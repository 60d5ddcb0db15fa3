package org.layerfs.pipeline.copy;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.ref.InvalidReferenceException;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.pipeline.cli.References;
import org.layerfs.pipeline.cli.UsageException;
import org.layerfs.transforms.copy.CopyRequest;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A mirror described in the YAML that {@code skopeo sync --src yaml} reads: top-level keys are
 * registries, each with {@code images} (name → tags, an empty list for every tag),
 * {@code images-by-tag-regex} (name → regex) and {@code tls-verify}. Credentials come from the
 * auth files, never from this file ({@code credentials} is refused: a mirror config is often
 * committed, a secret in it would be too). An {@code images} list may hold digests
 * ({@code sha256:...}), copied by digest. Extension: {@code immutable-tags} (a regex; tags
 * matching it that the destination has are not asked about at the source), over
 * {@code --immutable-tags}; {@code concurrent-requests} (planning's limit at this registry), over
 * {@code --concurrent-requests}. Extension: a key {@code oci:DIR} names an OCI layout; its {@code images} list
 * ref names (each with an empty list) and its {@code images-by-tag-regex} apply to ref names.
 */
public final class MirrorConfig {
  private static final ImmutableSet<String> REGISTRY_KEYS =
      ImmutableSet.of("images", "images-by-tag-regex", "tls-verify", "immutable-tags", "concurrent-requests", "platforms", "referrers");

  private MirrorConfig() {}

  /**
   * The requests that sync every image {@code file} names into {@code destination}; {@code
   * immutableTags} for the registries that declare none of their own.
   */
  public static ImmutableList<CopyRequest> read(
      Path file, ImageReference destination, List<Platform> platforms, RegistryConfig destinationRegistry,
      Optional<String> immutableTags, int concurrency) throws UsageException, IOException {
    Object root;
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      // A key twice would be read as whichever the parser keeps: refused, as in image JSON.
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      root = new Yaml(new SafeConstructor(options)).load(in);
    } catch (YAMLException e) {
      throw new UsageException(file + ": not valid YAML: " + e.getMessage());
    }
    if (!(root instanceof Map<?, ?> registries)) {
      throw new UsageException(file + ": want a map of registries at the top");
    }
    ImmutableList.Builder<CopyRequest> requests = ImmutableList.builder();
    for (Map.Entry<?, ?> e : registries.entrySet()) {
      String registry = String.valueOf(e.getKey());
      Map<?, ?> settings = map(e.getValue(), file + ": " + registry);
      for (Object key : settings.keySet()) {
        if (String.valueOf(key).equals("credentials")) {
          throw new UsageException(file + ": " + registry
              + ": credentials are read from --authfile, $REGISTRY_AUTH_FILE or the Docker config (and its credential helpers), not from the mirror config");
        }
        if (!REGISTRY_KEYS.contains(String.valueOf(key))) {
          throw new UsageException(file + ": " + registry + ": unknown key \"" + key + "\" (known: " + REGISTRY_KEYS + ")");
        }
      }
      Object tls = settings.containsKey("tls-verify") ? settings.get("tls-verify") : Boolean.TRUE;
      if (!(tls instanceof Boolean)) {
        throw new UsageException(file + ": " + registry + ": tls-verify: want true or false");
      }
      Optional<String> immutable = immutableTags;
      if (settings.containsKey("immutable-tags")) {
        immutable = Optional.of(String.valueOf(settings.get("immutable-tags")));
        try {
          Pattern.compile(immutable.get());
        } catch (PatternSyntaxException ex) {
          throw new UsageException(file + ": " + registry + ": immutable-tags: " + ex.getMessage());
        }
      }
      int sourceConcurrency = concurrency;
      if (settings.containsKey("concurrent-requests")) {
        if (!(settings.get("concurrent-requests") instanceof Integer n) || n < 1 || n > 99) {
          throw new UsageException(file + ": " + registry + ": concurrent-requests: want a whole number from 1 to 99");
        }
        sourceConcurrency = n;
      }
      List<Platform> platform = platforms;
      if (settings.containsKey("platforms")) {
        Object listed = settings.get("platforms");
        String text = listed instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : String.valueOf(listed);
        try {
          platform = References.platforms(Optional.of(text));
        } catch (UsageException ex) {
          throw new UsageException(file + ": " + registry + ": platforms: " + ex.getMessage());
        }
      }
      // The command line's registry options (credentials) hold for the sources too; TLS is per source.
      RegistryConfig sourceRegistry = destinationRegistry.withTlsVerify((Boolean) tls);
      Source source = new Source(registry, destination, platform, file, sourceRegistry, destinationRegistry, immutable,
          sourceConcurrency, concurrency);
      Object referrers = settings.containsKey("referrers") ? settings.get("referrers") : Boolean.TRUE;
      if (!(referrers instanceof Boolean)) {
        throw new UsageException(file + ": " + registry + ": referrers: want true or false");
      }
      ImmutableList.Builder<CopyRequest> these = ImmutableList.builder();
      for (Map.Entry<?, ?> image : map(settings.get("images"), file + ": " + registry + ": images").entrySet()) {
        source.images(String.valueOf(image.getKey()), image.getValue(), these);
      }
      for (Map.Entry<?, ?> image : map(settings.get("images-by-tag-regex"), file + ": " + registry + ": images-by-tag-regex").entrySet()) {
        source.byRegex(String.valueOf(image.getKey()), String.valueOf(image.getValue()), these);
      }
      for (CopyRequest r : these.build()) {
        requests.add(r.withReferrers((Boolean) referrers, Optional.empty()));
      }
    }
    ImmutableList<CopyRequest> all = requests.build();
    if (all.isEmpty()) {
      throw new UsageException(file + ": names no images");
    }
    return all;
  }

  private static Map<?, ?> map(Object value, String what) throws UsageException {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof Map<?, ?> m)) {
      throw new UsageException(what + ": want a map");
    }
    return m;
  }

  /** One top-level key: a registry, or (the extension) an OCI layout. */
  private static final class Source {
    private final String key;
    private final boolean layout;
    private final ImageReference destination;
    private final List<Platform> platform;
    private final Path file;
    private final RegistryConfig sourceRegistry;
    private final RegistryConfig destinationRegistry;
    private final Optional<String> immutableTags;
    private final int sourceConcurrency;
    private final int destinationConcurrency;

    Source(String key, ImageReference destination, List<Platform> platform, Path file,
        RegistryConfig sourceRegistry, RegistryConfig destinationRegistry, Optional<String> immutableTags,
        int sourceConcurrency, int destinationConcurrency) {
      this.immutableTags = immutableTags;
      this.sourceConcurrency = sourceConcurrency;
      this.destinationConcurrency = destinationConcurrency;
      this.sourceRegistry = sourceRegistry;
      this.destinationRegistry = destinationRegistry;
      this.key = key;
      this.layout = key.startsWith(ImageReference.Transport.OCI.prefix());
      this.destination = destination;
      this.platform = platform;
      this.file = file;
    }

    void images(String name, Object tags, ImmutableList.Builder<CopyRequest> out) throws UsageException {
      if (!(tags instanceof List<?> list)) {
        throw new UsageException(file + ": " + key + ": images: " + name + ": want a list of tags");
      }
      if (layout && !list.isEmpty()) {
        throw new UsageException(file + ": " + key + ": images: " + name + ": list ref names, each with an empty list");
      }
      if (list.isEmpty()) {
        out.add(request(layout ? name : null, name, Optional.empty()));
        return;
      }
      for (Object tag : list) {
        out.add(request(String.valueOf(tag), name, Optional.empty()));
      }
    }

    void byRegex(String name, String regex, ImmutableList.Builder<CopyRequest> out) throws UsageException {
      try {
        Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw new UsageException(file + ": " + key + ": images-by-tag-regex: " + name + ": " + e.getMessage());
      }
      out.add(request(null, name, Optional.of(regex)));
    }

    /**
     * A request for {@code name} (a repository, or in a layout a ref name) with {@code tag} or
     * every tag matching {@code pattern}. In a mirror layout images are named {@code REPO:TAG};
     * in a mirror registry they go to {@code DEST/REPO:TAG}.
     */
    private CopyRequest request(String tag, String name, Optional<String> pattern) throws UsageException {
      try {
        ImageReference source;
        String prefix = "";
        ImageReference dest = destination;
        if (layout) {
          source = ImageReference.parse(key + (tag == null ? "" : ":" + tag));
          source = ImageReference.of(source.transport(), Path.of(source.location()).toAbsolutePath().normalize().toString(), source.tag(), source.digest());
        } else {
          // A digest in the list, as skopeo allows, is copied by digest.
          String at = tag == null ? "" : Digest.isDigest(tag) ? "@" + tag : ":" + tag;
          source = ImageReference.parse("docker://" + key + "/" + name + at);
          if (destination.transport() == ImageReference.Transport.DOCKER) {
            dest = ImageReference.parse("docker://" + destination.location() + "/" + name);
          } else {
            prefix = name + ":";
          }
        }
        return CopyRequest.builder()
            .setSource(source)
            .setDestination(dest)
            .setNamePrefix(prefix)
            .setTagPattern(pattern)
            .setImmutableTags(immutableTags)
            .setSourceConcurrency(sourceConcurrency)
            .setDestinationConcurrency(destinationConcurrency)
            .setPlatforms(platform)
            .setOnlyChanged(true)
            .setSourceRegistry(sourceRegistry)
            .setDestinationRegistry(destinationRegistry)
            .build();
      } catch (InvalidReferenceException e) {
        throw new UsageException(file + ": " + key + ": " + e.getMessage());
      }
    }
  }
}
