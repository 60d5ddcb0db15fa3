package org.layerfs.transforms.copy;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.io.model.FallbackIndex;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;

/**
 * One source to bring into one destination: every image {@link #source} names (filtered by
 * {@link #tagPattern}) goes to {@link #destination} under the name {@link #destinationName}
 * gives it.
 */
@AutoValue
@SerializableAutoValue
@DefaultCoder(SerializableCoder.class)
public abstract class CopyRequest implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A handful: enough to hide round trips, few enough not to look like an attack. */
  public static final int DEFAULT_CONCURRENCY = 4;

  public abstract ImageReference source();

  /** The destination store, and the tag to use when the source names one image. */
  public abstract ImageReference destination();

  /** Source tags to take; all when empty. As in skopeo, the regex may match anywhere in the tag ({@code ^...$} to anchor). */
  public abstract Optional<String> tagPattern();

  /**
   * Source tags that never move once pushed: a sync that finds one at the destination skips it
   * without asking the source. Matched as {@link #tagPattern}.
   */
  public abstract Optional<String> immutableTags();

  /** Put before each source tag to make the destination tag ({@code library/debian:} in a mirror layout). */
  public abstract String namePrefix();

  /**
   * The platforms to copy of each index; all when empty. One platform copies that image alone
   * (the index is not copied); several copy a {@link SparseIndex} of them.
   */
  public abstract ImmutableList<Platform> platforms();

  /** How to reach the source when it is a registry (TLS, credentials, retries). */
  public abstract RegistryConfig sourceRegistry();

  /** How to reach the destination when it is a registry. */
  public abstract RegistryConfig destinationRegistry();

  /** How many requests planning may have in flight at the source's registry. */
  public abstract int sourceConcurrency();

  /** How many requests planning may have in flight at the destination's registry. */
  public abstract int destinationConcurrency();

  /** Skip images whose destination tag already names the same manifest (sync); copy regardless when false. */
  public abstract boolean onlyChanged();

  /** Copy each image's referrers and legacy cosign tags with it ({@code --referrers}, default true). */
  public abstract boolean referrers();

  /** Keep only the referrers whose artifact type this regex finds ({@code --referrers-type}); all when empty. */
  public abstract Optional<String> referrersType();

  public static Builder builder() {
    return new AutoValue_CopyRequest.Builder()
        .setTagPattern(Optional.empty())
        .setImmutableTags(Optional.empty())
        .setNamePrefix("")
        .setPlatforms(ImmutableList.of())
        .setOnlyChanged(false)
        .setReferrers(true)
        .setReferrersType(Optional.empty())
        .setSourceConcurrency(DEFAULT_CONCURRENCY)
        .setDestinationConcurrency(DEFAULT_CONCURRENCY)
        .setSourceRegistry(RegistryConfig.defaults())
        .setDestinationRegistry(RegistryConfig.defaults());
  }

  /** Configures a request; source and destination are required. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setSource(ImageReference source);

    public abstract Builder setDestination(ImageReference destination);

    public abstract Builder setTagPattern(Optional<String> pattern);

    public abstract Builder setImmutableTags(Optional<String> pattern);

    public abstract Builder setNamePrefix(String prefix);

    public abstract Builder setPlatforms(List<Platform> platforms);

    /** One platform, or all when empty. */
    public Builder setPlatform(Optional<Platform> platform) {
      return setPlatforms(platform.map(List::of).orElse(List.of()));
    }

    public abstract Builder setOnlyChanged(boolean onlyChanged);

    public abstract Builder setReferrers(boolean referrers);

    public abstract Builder setReferrersType(Optional<String> pattern);

    public abstract Builder setSourceConcurrency(int requests);

    public abstract Builder setDestinationConcurrency(int requests);

    public abstract Builder setSourceRegistry(RegistryConfig config);

    public abstract Builder setDestinationRegistry(RegistryConfig config);

    public abstract CopyRequest build();
  }

  /** The one platform asked for, whose image is copied without its index; empty for none or several. */
  public Optional<Platform> platform() {
    return platforms().size() == 1 ? Optional.of(platforms().get(0)) : Optional.empty();
  }

  /** True when several platforms are asked for: an index is copied as a {@link SparseIndex} of them. */
  public boolean sparse() {
    return platforms().size() > 1;
  }

  /**
   * True when the request takes the source tag {@code tag}. A fallback tag ({@code sha256-<hex>})
   * is not an image of its own while referrers travel with their images: its index is merged at
   * the destination, never copied over the one there.
   */
  public boolean selects(String tag) {
    if (referrers() && FallbackIndex.isTag(tag) && !source().tag().equals(Optional.of(tag))) {
      return false;
    }
    return tagPattern().map(p -> Pattern.compile(p).matcher(tag).find()).orElse(true);
  }

  abstract Builder toBuilder();

  /**
   * This request with referrers travelling only when it and {@code referrers} both say so, kept
   * to artifact types {@code type} finds when given ({@code --referrers}, {@code --referrers-type},
   * a mirror config's {@code referrers} key).
   */
  public CopyRequest withReferrers(boolean referrers, Optional<String> type) {
    return toBuilder().setReferrers(referrers() && referrers).setReferrersType(type.or(this::referrersType)).build();
  }

  /** True when a referrer of this artifact type is to be copied. */
  public boolean selectsReferrer(String artifactType) {
    return referrersType().map(p -> Pattern.compile(p).matcher(artifactType).find()).orElse(true);
  }

  /** True when the source tag {@code tag} is declared immutable. */
  public boolean immutable(String tag) {
    return immutableTags().map(p -> Pattern.compile(p).matcher(tag).find()).orElse(false);
  }

  /** The destination tag for source tag {@code sourceTag}. */
  public String destinationName(String sourceTag) {
    return destination().tag().orElse(namePrefix() + sourceTag);
  }
}
