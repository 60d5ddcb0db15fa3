package org.layerfs.io.ref;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import java.io.Serializable;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.layerfs.io.model.Digest;

/**
 * Where an image lives, in skopeo's syntax: {@code oci:DIR[:TAG|@DIGEST]},
 * {@code docker-archive:FILE[:REPO:TAG]} or {@code docker://HOST[:PORT]/REPO[:TAG|@DIGEST]}.
 */
@AutoValue
@SerializableAutoValue
public abstract class ImageReference implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern DIGEST_SUFFIX = Pattern.compile("^(.*?):?@((?:sha256|sha512):[0-9a-f]+)$");

  /** The kinds of place an image can live. */
  public enum Transport {
    OCI("oci:"),
    DOCKER_ARCHIVE("docker-archive:"),
    DOCKER("docker://");

    private final String prefix;

    Transport(String prefix) {
      this.prefix = prefix;
    }

    public String prefix() {
      return prefix;
    }
  }

  public abstract Transport transport();

  /** The directory, archive file, or {@code HOST[:PORT]/REPO}. */
  public abstract String location();

  /** The tag: an OCI ref name, a docker-archive {@code REPO:TAG}, or a registry tag. */
  public abstract Optional<String> tag();

  public abstract Optional<Digest> digest();

  public static ImageReference of(
      Transport transport, String location, Optional<String> tag, Optional<Digest> digest) {
    return new AutoValue_ImageReference(transport, location, tag, digest);
  }

  /** Parses a reference; throws {@link InvalidReferenceException} naming the text. */
  public static ImageReference parse(String text) {
    for (Transport t : Transport.values()) {
      if (text.startsWith(t.prefix())) {
        String rest = text.substring(t.prefix().length());
        if (rest.isEmpty()) {
          throw new InvalidReferenceException(text, "nothing after \"" + t.prefix() + "\"");
        }
        return switch (t) {
          case OCI, DOCKER_ARCHIVE -> parseLocal(text, t, rest);
          case DOCKER -> parseRegistry(text, rest);
        };
      }
    }
    throw new InvalidReferenceException(
        text, "unknown transport (want oci:DIR, docker-archive:FILE or docker://HOST/REPO)");
  }

  private static ImageReference parseLocal(String text, Transport t, String rest) {
    Optional<Digest> digest = Optional.empty();
    Matcher m = DIGEST_SUFFIX.matcher(rest);
    if (m.matches()) {
      digest = Optional.of(parseDigest(text, m.group(2)));
      rest = m.group(1);
      if (rest.contains(":")) {
        throw new InvalidReferenceException(text, "give a tag or a digest, not both");
      }
    }
    // As in skopeo, the path ends at the first colon; the rest (colons and slashes allowed) is the tag.
    int colon = rest.indexOf(':');
    String path = colon < 0 ? rest : rest.substring(0, colon);
    Optional<String> tag = colon < 0 ? Optional.empty() : Optional.of(rest.substring(colon + 1));
    if (path.isEmpty()) {
      throw new InvalidReferenceException(text, "empty path");
    }
    if (tag.isPresent() && tag.get().isEmpty()) {
      throw new InvalidReferenceException(text, "empty tag after \":\"");
    }
    if (t == Transport.DOCKER_ARCHIVE && digest.isPresent()) {
      throw new InvalidReferenceException(text, "docker-archive references take REPO:TAG, not a digest");
    }
    return of(t, path, tag, digest);
  }

  private static ImageReference parseRegistry(String text, String rest) {
    Optional<Digest> digest = Optional.empty();
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = Optional.of(parseDigest(text, rest.substring(at + 1)));
      rest = rest.substring(0, at);
    }
    int slash = rest.indexOf('/');
    if (slash <= 0 || slash == rest.length() - 1) {
      throw new InvalidReferenceException(text, "want docker://HOST[:PORT]/REPO[:TAG|@DIGEST]");
    }
    Optional<String> tag = Optional.empty();
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = Optional.of(rest.substring(colon + 1));
      rest = rest.substring(0, colon);
      if (!tag.get().matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")) {
        throw new InvalidReferenceException(text, "invalid tag \"" + tag.get() + "\"");
      }
    }
    String repo = rest.substring(rest.indexOf('/') + 1);
    if (!repo.matches("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*")) {
      throw new InvalidReferenceException(text, "invalid repository name \"" + repo + "\"");
    }
    return of(Transport.DOCKER, rest, tag, digest);
  }

  private static Digest parseDigest(String text, String digest) {
    try {
      return Digest.parse(digest);
    } catch (IllegalArgumentException e) {
      throw new InvalidReferenceException(text, e.getMessage());
    }
  }

  /** The same place without a tag or digest: the whole store. */
  public ImageReference store() {
    return of(transport(), location(), Optional.empty(), Optional.empty());
  }

  public ImageReference withTag(String tag) {
    return of(transport(), location(), Optional.of(tag), Optional.empty());
  }

  public ImageReference withDigest(Digest digest) {
    return of(transport(), location(), Optional.empty(), Optional.of(digest));
  }

  @Override
  public final String toString() {
    StringBuilder s = new StringBuilder(transport().prefix()).append(location());
    tag().ifPresent(t -> s.append(':').append(t));
    digest().ifPresent(d -> s.append('@').append(d));
    return s.toString();
  }
}
