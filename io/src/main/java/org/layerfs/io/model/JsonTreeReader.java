package org.layerfs.io.model;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Reads one JSON value from a parser into the tree {@code ObjectMapper.readTree} makes with its
 * defaults (the same node types; numbers as int, long, big integer or double; what follows the
 * value left unread), without an {@code ObjectMapper}. That class's initialisation makes
 * Jackson's default date format, and on Java 25 making a {@code SimpleDateFormat} lists every
 * CLDR locale: a fifth of the Java work of a sync with nothing to do, which reads JSON and
 * writes none. Containers are kept on a stack, not the call stack, so nesting as deep as the
 * parser allows cannot overflow it.
 */
final class JsonTreeReader {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonTreeReader() {}

  /** The next value of {@code p}, or the missing node when there is none. */
  static JsonNode read(JsonParser p) throws IOException {
    Deque<ContainerNode<?>> open = new ArrayDeque<>();
    for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
      JsonNode node;
      switch (t) {
        case FIELD_NAME:
          continue;
        case END_OBJECT:
        case END_ARRAY:
          node = open.pop();
          if (open.isEmpty()) {
            return node;
          }
          continue;
        case START_OBJECT:
          node = NODES.objectNode();
          break;
        case START_ARRAY:
          node = NODES.arrayNode();
          break;
        default:
          node = scalar(p, t);
      }
      ContainerNode<?> parent = open.peek();
      if (parent == null && !node.isContainerNode()) {
        return node;
      }
      if (parent instanceof ObjectNode object) {
        object.set(p.currentName(), node);
      } else if (parent instanceof ArrayNode array) {
        array.add(node);
      }
      if (node instanceof ContainerNode<?> container) {
        open.push(container);
      }
    }
    return MissingNode.getInstance();
  }

  private static JsonNode scalar(JsonParser p, JsonToken t) throws IOException {
    return switch (t) {
      case VALUE_STRING -> NODES.textNode(p.getText());
      case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
        case INT -> NODES.numberNode(p.getIntValue());
        case LONG -> NODES.numberNode(p.getLongValue());
        default -> NODES.numberNode(p.getBigIntegerValue());
      };
      case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
      case VALUE_TRUE -> NODES.booleanNode(true);
      case VALUE_FALSE -> NODES.booleanNode(false);
      case VALUE_NULL -> NODES.nullNode();
      default -> throw new JsonParseException(p, "unexpected " + t + " in JSON text");
    };
  }
}
