package org.layerfs.io.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Optional;

/**
 * The one JSON configuration of layerfs: every reader of image JSON (manifests, indexes,
 * configs, archives' {@code manifest.json}, auth files, registry answers, the layer cache and
 * the catalogs) parses with it. It refuses an object with a key twice: parsers keep the first
 * or the last, so such a document could mean one thing here and another to a peer.
 */
public final class StrictJson {
  private static final String DUPLICATE = "Duplicate field '";

  private StrictJson() {}

  /**
   * For {@link #read}, which needs no mapper (see {@link JsonTreeReader}); made on first use, as
   * plain documents need no parser either ({@link PlainJsonReader}).
   */
  private static final class Parsing {
    static final JsonFactory FACTORY = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  }

  /** Made on first use: a command that only reads JSON never initialises {@code ObjectMapper}. */
  private static final class Mapper {
    static final ObjectMapper INSTANCE =
        JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  }

  /** The shared mapper (duplicate keys refused), also for writing. */
  public static ObjectMapper mapper() {
    return Mapper.INSTANCE;
  }

  /** The mapper's factory, for streaming parsers and generators. */
  public static JsonFactory factory() {
    return Mapper.INSTANCE.getFactory();
  }

  /** Parses a document of any shape, naming {@code what} when it is not JSON or has a key twice. */
  public static JsonNode read(byte[] json, String what) throws ImageFormatException {
    Optional<JsonNode> plain = PlainJsonReader.read(json);
    if (plain.isPresent()) {
      return plain.get();
    }
    try {
      JsonNode root;
      try (JsonParser p = Parsing.FACTORY.createParser(json)) {
        root = JsonTreeReader.read(p);
      }
      if (root.isMissingNode()) {
        throw new ImageFormatException(what + ": empty, not JSON");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new ImageFormatException(what + ": " + describe(e), e);
    } catch (IOException e) {
      throw new ImageFormatException(what + ": unreadable JSON: " + e.getMessage(), e);
    }
  }

  /**
   * What is wrong with a document a parser refused: for a repeated key, the key and where it is
   * ({@code key "layers" twice in one object, at /layers}); otherwise the parser's message.
   */
  public static String describe(JsonProcessingException e) {
    return duplicateKey(e)
        .orElseGet(() -> "malformed JSON: " + e.getOriginalMessage());
  }

  private static Optional<String> duplicateKey(JsonProcessingException e) {
    if (!(e.getProcessor() instanceof JsonParser p) || e.getOriginalMessage() == null
        || !e.getOriginalMessage().startsWith(DUPLICATE)) {
      return Optional.empty();
    }
    String key = p.getParsingContext().getCurrentName();
    return Optional.of("key \"" + key + "\" twice in one object, at " + p.getParsingContext().pathAsPointer()
        + " (refused: readers disagree on which one counts)");
  }
}
