package org.layerfs.io.model;

import static java.nio.charset.StandardCharsets.US_ASCII;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * Reads the JSON images are made of without Jackson's parser, into the tree {@link
 * JsonTreeReader} makes: an object or array of ASCII text, integers of at most 18 digits, the
 * standard escapes, nesting up to {@value #MAX_DEPTH}, no key twice in an object, whatever follows
 * the root left unread. Any other document (a fraction, a non-ASCII byte, a duplicate key, an
 * error) it leaves to Jackson, so every other tree and every refusal stays the parser's own.
 * Why: jackson-core's parser classes hold {@code BigDecimal} constants, and {@code BigDecimal}'s
 * initialisation on Java 25 computes 5^(2^16), interpreted: 30-40 ms of the 160 of a sync with
 * nothing to do, and C2's first work in it (README, "Start-up, seventh session").
 */
final class PlainJsonReader {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final int MAX_DEPTH = 500;
  /** Longer documents go to Jackson, whose limits on a string's length are far above this. */
  private static final int MAX_LENGTH = 4 << 20;
  private static final Outside OUTSIDE = new Outside();

  private final byte[] in;
  private int pos;

  private PlainJsonReader(byte[] in) {
    this.in = in;
  }

  /** The document's tree, or empty when it is not of the plain kind above. */
  static Optional<JsonNode> read(byte[] json) {
    if (json.length > MAX_LENGTH) {
      return Optional.empty();
    }
    try {
      PlainJsonReader reader = new PlainJsonReader(json);
      byte first = reader.nextToken();
      if (first != '{' && first != '[') {
        return Optional.empty(); // a scalar or nothing: rare, Jackson's
      }
      return Optional.of(reader.value(first, 0));
    } catch (Outside e) {
      return Optional.empty();
    }
  }

  private JsonNode value(byte first, int depth) {
    return switch (first) {
      case '{' -> object(depth + 1);
      case '[' -> array(depth + 1);
      case '"' -> NODES.textNode(string());
      case 't' -> literal("rue", NODES.booleanNode(true));
      case 'f' -> literal("alse", NODES.booleanNode(false));
      case 'n' -> literal("ull", NODES.nullNode());
      default -> number(first);
    };
  }

  private ObjectNode object(int depth) {
    checkDepth(depth);
    ObjectNode object = NODES.objectNode();
    byte b = nextToken();
    if (b == '}') {
      return object;
    }
    while (true) {
      if (b != '"') {
        throw OUTSIDE;
      }
      String key = string();
      if (nextToken() != ':') {
        throw OUTSIDE;
      }
      if (object.replace(key, value(nextToken(), depth)) != null) {
        throw OUTSIDE; // a key twice: Jackson names it in its refusal
      }
      b = nextToken();
      if (b == '}') {
        return object;
      }
      if (b != ',') {
        throw OUTSIDE;
      }
      b = nextToken();
    }
  }

  private ArrayNode array(int depth) {
    checkDepth(depth);
    ArrayNode array = NODES.arrayNode();
    byte b = nextToken();
    if (b == ']') {
      return array;
    }
    while (true) {
      array.add(value(b, depth));
      b = nextToken();
      if (b == ']') {
        return array;
      }
      if (b != ',') {
        throw OUTSIDE;
      }
      b = nextToken();
    }
  }

  private static void checkDepth(int depth) {
    if (depth > MAX_DEPTH) {
      throw OUTSIDE;
    }
  }

  /** The rest of a string whose opening quote was read. */
  private String string() {
    int start = pos;
    while (true) {
      int c = byteAt(pos);
      if (c == '"') {
        pos++;
        return new String(in, start, pos - 1 - start, US_ASCII);
      }
      if (c == '\\') {
        return escaped(start);
      }
      if (c < 0x20 || c >= 0x80) {
        throw OUTSIDE;
      }
      pos++;
    }
  }

  private String escaped(int start) {
    StringBuilder text = new StringBuilder(pos - start + 16).append(new String(in, start, pos - start, US_ASCII));
    while (true) {
      int c = byteAt(pos++);
      if (c == '"') {
        return text.toString();
      }
      if (c < 0x20 || c >= 0x80) {
        throw OUTSIDE;
      }
      if (c != '\\') {
        text.append((char) c);
        continue;
      }
      int e = byteAt(pos++);
      switch (e) {
        case '"', '\\', '/' -> text.append((char) e);
        case 'b' -> text.append('\b');
        case 'f' -> text.append('\f');
        case 'n' -> text.append('\n');
        case 'r' -> text.append('\r');
        case 't' -> text.append('\t');
        case 'u' -> {
          int code = 0;
          for (int i = 0; i < 4; i++) {
            int digit = Character.digit(byteAt(pos++), 16);
            if (digit < 0) {
              throw OUTSIDE;
            }
            code = code << 4 | digit;
          }
          text.append((char) code);
        }
        default -> throw OUTSIDE;
      }
    }
  }

  private JsonNode literal(String rest, JsonNode node) {
    for (int i = 0; i < rest.length(); i++) {
      if (byteAt(pos++) != rest.charAt(i)) {
        throw OUTSIDE;
      }
    }
    return node;
  }

  /**
   * An integer, as an int node when it fits in one, else a long node: Jackson's number types for
   * up to 18 digits. Fractions, exponents, leading zeros and longer numbers are Jackson's.
   */
  private JsonNode number(byte first) {
    boolean negative = first == '-';
    int digitsStart = negative ? pos : pos - 1;
    if (!negative && !isDigit(first)) {
      throw OUTSIDE;
    }
    while (pos < in.length && isDigit(in[pos])) {
      pos++;
    }
    int digits = pos - digitsStart;
    if (digits == 0 || digits > 18 || (digits > 1 && in[digitsStart] == '0')) {
      throw OUTSIDE;
    }
    long value = 0;
    for (int i = digitsStart; i < pos; i++) {
      value = value * 10 + (in[i] - '0');
    }
    value = negative ? -value : value;
    return value == (int) value ? NODES.numberNode((int) value) : NODES.numberNode(value);
  }

  private static boolean isDigit(int b) {
    return b >= '0' && b <= '9';
  }

  /** The next byte that is not JSON white space, consumed. */
  private byte nextToken() {
    while (true) {
      int c = byteAt(pos++);
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return (byte) c;
      }
    }
  }

  private int byteAt(int i) {
    if (i >= in.length) {
      throw OUTSIDE;
    }
    return in[i] & 0xff;
  }

  /** Thrown, without a stack trace, where the document stops being plain. */
  private static final class Outside extends RuntimeException {
    Outside() {
      super(null, null, false, false);
    }
  }
}
