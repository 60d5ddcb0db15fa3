package org.layerfs.io.model;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.io.BaseEncoding;
import java.io.Serializable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A content digest such as {@code sha256:9f86d0...}: a validated value, never a bare string. */
public final class Digest implements Serializable, Comparable<Digest> {
  private static final long serialVersionUID = 1L;
  private static final Pattern FORM = Pattern.compile("(sha256|sha512):([0-9a-f]+)");

  private final String algorithm;
  private final String hex;

  private Digest(String algorithm, String hex) {
    this.algorithm = algorithm;
    this.hex = hex;
  }

  /** Parses {@code algorithm:hex}; throws {@link IllegalArgumentException} naming the text. */
  public static Digest parse(String text) {
    checkNotNull(text, "digest");
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a digest (want sha256:<64 hex> or sha512:<128 hex>): \"" + text + "\"");
    }
    String algorithm = m.group(1);
    String hex = m.group(2);
    int want = algorithm.equals("sha256") ? 64 : 128;
    if (hex.length() != want) {
      throw new IllegalArgumentException(
          "not a digest: \"" + text + "\" has " + hex.length() + " hex digits, " + algorithm + " has " + want);
    }
    return new Digest(algorithm, hex);
  }

  /** True when {@code text} parses as a digest. */
  public static boolean isDigest(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The sha256 digest of {@code bytes}. */
  public static Digest sha256(byte[] bytes) {
    return fromBytes("sha256", newMessageDigest("sha256").digest(bytes));
  }

  /** A digest from the raw output of a {@link MessageDigest} of the given algorithm. */
  public static Digest fromBytes(String algorithm, byte[] digest) {
    return new Digest(algorithm, BaseEncoding.base16().lowerCase().encode(digest));
  }

  public String algorithm() {
    return algorithm;
  }

  public String hex() {
    return hex;
  }

  /** A fresh {@link MessageDigest} for this digest's algorithm. */
  public MessageDigest newMessageDigest() {
    return newMessageDigest(algorithm);
  }

  /**
   * Makes Java's security providers ready on another thread. Their first use reads the
   * java.security file and registers every algorithm's names: 13 ms (README, "Start-up, eighth
   * session"), which then overlap the command line's reading instead of following it. A daemon
   * thread: it never keeps the JVM alive.
   */
  public static Thread prepareInBackground() {
    Thread thread = new Thread(() -> newMessageDigest("sha256"), "layerfs-digest-setup");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  public static MessageDigest newMessageDigest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has " + algorithm, e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && d.algorithm.equals(algorithm) && d.hex.equals(hex);
  }

  @Override
  public int hashCode() {
    return algorithm.hashCode() * 31 + hex.hashCode();
  }

  @Override
  public int compareTo(Digest o) {
    return toString().compareTo(o.toString());
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
