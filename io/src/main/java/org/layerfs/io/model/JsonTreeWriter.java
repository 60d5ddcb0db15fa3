package org.layerfs.io.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a tree as {@code ObjectMapper.writeValueAsBytes} does with its defaults (compact, fields
 * in their order, the same escapes and numbers), through jackson-core's generator alone. Copying
 * into a layout wrote its index.json with the mapper, whose initialisation (the default date
 * format lists every CLDR locale on Java 25) and 300 classes every copy paid for, and the launcher's
 * AOT cache then loaded at the start of every sync, one with nothing to do too (README, "Start-up,
 * ninth session"). The trees written are the project's own documents: shallow, so recursion is safe.
 */
public final class JsonTreeWriter {
  private static final JsonFactory FACTORY = new JsonFactory();

  private JsonTreeWriter() {}

  /** The bytes of {@code tree}, UTF-8. */
  public static byte[] bytes(JsonNode tree) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, tree);
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory", e);
    }
    return out.toByteArray();
  }

  private static void write(JsonGenerator g, JsonNode node) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
          Map.Entry<String, JsonNode> field = fields.next();
          g.writeFieldName(field.getKey());
          write(g, field.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode element : node) {
          write(g, element);
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(node.textValue());
      case BOOLEAN -> g.writeBoolean(node.booleanValue());
      case NULL -> g.writeNull();
      case NUMBER -> {
        switch (node.numberType()) {
          case INT -> g.writeNumber(node.intValue());
          case LONG -> g.writeNumber(node.longValue());
          case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
          case FLOAT -> g.writeNumber(node.floatValue());
          case DOUBLE -> g.writeNumber(node.doubleValue());
          case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
        }
      }
      default -> throw new IllegalArgumentException("not a JSON document node: " + node.getNodeType());
    }
  }
}
