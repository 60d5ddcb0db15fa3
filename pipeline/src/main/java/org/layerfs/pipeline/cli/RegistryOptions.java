package org.layerfs.pipeline.cli;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.layerfs.io.registry.RegistryConfig;

/**
 * The registry options every command that reads or writes images takes, and how each sets the
 * {@link RegistryConfig} the command hands, whole, to everything that opens a registry. A new
 * registry setting is one entry here.
 */
public final class RegistryOptions {
  /** Sets one option's value on a configuration being built. */
  private interface Setter {
    void set(RegistryConfig.Builder config, String value) throws UsageException;
  }

  private record Option(String metavar, Setter setter) {}

  private static final ImmutableMap<String, Option> OPTIONS =
      ImmutableMap.of(
          // --tls-verify=false allows plain HTTP and unverified TLS.
          "tls-verify", new Option("true|false", (c, v) -> c.setTlsVerify(bool("tls-verify", v))),
          // As skopeo's --authfile: this file only, instead of $REGISTRY_AUTH_FILE and docker's.
          "authfile", new Option("FILE", (c, v) -> c.setAuthFiles(ImmutableList.of(Path.of(v).toAbsolutePath().toString()))),
          // A registry that sends nothing for this long has stalled: resumed, then the image fails.
          "idle-timeout", new Option("SECONDS", (c, v) -> c.setIdleTimeout(Duration.ofSeconds(seconds("idle-timeout", v)))));

  private RegistryOptions() {}

  /** The options, name to what their value is ({@code FILE}), as {@link CommandOptions} lists them. */
  static ImmutableMap<String, String> valued() {
    return OPTIONS.entrySet().stream()
        .collect(ImmutableMap.toImmutableMap(e -> e.getKey(), e -> e.getValue().metavar()));
  }

  /** The configuration the options in {@code args} ask for, over the defaults. */
  public static RegistryConfig from(Args args) throws UsageException {
    RegistryConfig.Builder config = RegistryConfig.defaults().toBuilder();
    for (var option : OPTIONS.entrySet()) {
      Optional<String> value = args.option(option.getKey());
      if (value.isPresent()) {
        option.getValue().setter().set(config, value.get());
      }
    }
    return config.build();
  }

  private static long seconds(String option, String value) throws UsageException {
    if (!value.matches("[1-9][0-9]{0,5}")) {
      throw new UsageException("--" + option + " takes a whole number of seconds (1 or more), not \"" + value + "\"");
    }
    return Long.parseLong(value);
  }

  /** {@code true} or {@code false}, as a boolean option's value must be; anything else is a usage error naming the option. */
  public static boolean bool(String option, String value) throws UsageException {
    if (!value.equals("true") && !value.equals("false")) {
      throw new UsageException("--" + option + " takes true or false, not \"" + value + "\"");
    }
    return value.equals("true");
  }
}
