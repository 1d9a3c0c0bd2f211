package io.strata.server.op;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.strata.protocol.Opcode;
import io.strata.protocol.message.Json;
import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a request's JSON arguments into its argument record, turning every defect into an
 * INVALID_ARGUMENT that names the argument and its value in our own words.
 *
 * <p>The record is built here, component by component, rather than by Jackson's data binding, for
 * two reasons: an absent or null argument must take its documented default (data binding failed on
 * {@code blob.get} without {@code offset}, a primitive), and a value of the wrong type must be
 * reported as the user wrote it (data binding's messages name Java types and its own classes). A
 * component's absent value is null, or 0 and false for primitives; the records' compact
 * constructors turn null into the defaults that are not those (empty lists, false flags), and the
 * operations those that depend on other arguments ({@code fs.change}'s mode).
 */
final class Arguments {
  /**
   * Characters of a bad value quoted in a message; longer ones are cut, marked with an ellipsis.
   */
  private static final int QUOTED = 40;

  private static final ClassValue<Constructor<?>> CANONICAL =
      new ClassValue<>() {
        @Override
        protected Constructor<?> computeValue(Class<?> type) {
          RecordComponent[] c = type.getRecordComponents();
          Class<?>[] types = new Class<?>[c.length];
          for (int i = 0; i < c.length; i++) {
            types[i] = c[i].getType();
          }
          try {
            return type.getDeclaredConstructor(types);
          } catch (NoSuchMethodException e) {
            throw new IllegalStateException("record " + type.getName() + " has no constructor", e);
          }
        }
      };

  private Arguments() {}

  /**
   * The arguments {@code json} of a request {@code op} as a {@code type}: a record of the
   * protocol's messages, or {@code Object} for an opcode that takes none (the body must still be an
   * object). An empty body or {@code null} reads as {@code {}}; keys the record lacks are ignored.
   */
  static <T> T read(byte[] json, Class<T> type, Opcode op) {
    JsonNode tree = parse(json, op);
    if (type == Object.class) {
      return type.cast(tree);
    }
    if (!type.isRecord()) {
      throw new IllegalArgumentException(type.getName() + " is not an argument record");
    }
    RecordComponent[] components = type.getRecordComponents();
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      values[i] = value(tree.get(c.getName()), c, op);
    }
    try {
      return type.cast(CANONICAL.get(type).newInstance(values));
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("record " + type.getName() + " failed", e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("record " + type.getName() + " cannot be built", e);
    }
  }

  /** The text field {@code name} of the arguments of {@code op}, or null when it is none. */
  static String field(byte[] json, String name, Opcode op) {
    JsonNode v = parse(json, op).get(name);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  /** The body as a JSON object; empty and {@code null} are {@code {}}. */
  private static JsonNode parse(byte[] json, Opcode op) {
    JsonNode tree;
    try (JsonParser p = Json.mapper().createParser(json)) {
      tree = p.readValueAsTree();
      if (tree != null && p.nextToken() != null) {
        throw new InvalidArgumentException(
            op.label()
                + ": the arguments are not valid JSON (more follows the object at byte "
                + offset(p.currentLocation())
                + ")");
      }
    } catch (JsonProcessingException e) {
      // Jackson's own message names its classes and limits; the position is what helps a user.
      throw new InvalidArgumentException(
          op.label()
              + ": the arguments are not valid JSON (error at byte "
              + offset(e.getLocation())
              + ")",
          e);
    } catch (IOException e) {
      throw new InvalidArgumentException(op.label() + ": the arguments cannot be read", e);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return Json.mapper().createObjectNode();
    }
    if (!tree.isObject()) {
      throw new InvalidArgumentException(
          op.label() + ": the arguments are " + quote(tree) + ", not a JSON object");
    }
    return tree;
  }

  private static long offset(JsonLocation at) {
    if (at == null) {
      return 0;
    }
    return Math.max(0, at.getByteOffset() >= 0 ? at.getByteOffset() : at.getCharOffset());
  }

  /** The value of component {@code c} given as {@code node} (null when absent). */
  private static Object value(JsonNode node, RecordComponent c, Opcode op) {
    Class<?> t = c.getType();
    if (node == null || node.isNull()) {
      if (t == long.class) {
        return 0L;
      }
      if (t == int.class) {
        return 0;
      }
      if (t == boolean.class) {
        return false;
      }
      return null;
    }
    if (t == String.class) {
      return node.isTextual() ? node.textValue() : bad(c, node, "not a string", op);
    }
    if (t == long.class || t == Long.class) {
      if (!node.isIntegralNumber()) {
        return bad(c, node, "not an integer", op);
      }
      return node.canConvertToLong() ? node.longValue() : bad(c, node, "not a 64-bit integer", op);
    }
    if (t == int.class || t == Integer.class) {
      if (!node.isIntegralNumber()) {
        return bad(c, node, "not an integer", op);
      }
      return node.canConvertToInt() ? node.intValue() : bad(c, node, "not a 32-bit integer", op);
    }
    if (t == boolean.class || t == Boolean.class) {
      return node.isBoolean() ? node.booleanValue() : bad(c, node, "not true or false", op);
    }
    if (t == List.class && elementType(c) == String.class) {
      if (!node.isArray()) {
        return bad(c, node, "not an array of strings", op);
      }
      List<String> out = new ArrayList<>(node.size());
      for (JsonNode e : node) {
        if (!e.isTextual()) {
          return bad(c, node, "not an array of strings", op);
        }
        out.add(e.textValue());
      }
      return out;
    }
    if (t == Map.class && elementType(c) == String.class && valueType(c) == String.class) {
      if (!node.isObject()) {
        return bad(c, node, "not an object of strings", op);
      }
      Map<String, String> out = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        if (!e.getValue().isTextual()) {
          return bad(c, node, "not an object of strings", op);
        }
        out.put(e.getKey(), e.getValue().textValue());
      }
      return out;
    }
    if (t == JsonNode.class || t == Object.class) {
      return node;
    }
    throw new IllegalStateException(
        "argument " + c.getName() + " has a type the reader does not know: " + c.getGenericType());
  }

  private static Type elementType(RecordComponent c) {
    return c.getGenericType() instanceof ParameterizedType p
        ? p.getActualTypeArguments()[0]
        : Object.class;
  }

  /** The second type argument of a {@code Map} component (its values). */
  private static Type valueType(RecordComponent c) {
    return c.getGenericType() instanceof ParameterizedType p
            && p.getActualTypeArguments().length > 1
        ? p.getActualTypeArguments()[1]
        : Object.class;
  }

  private static Object bad(RecordComponent c, JsonNode value, String expected, Opcode op) {
    throw new InvalidArgumentException(
        op.label() + ": argument " + c.getName() + " is " + quote(value) + ", " + expected);
  }

  /** {@code value} as JSON, cut to {@link #QUOTED} characters. */
  private static String quote(JsonNode value) {
    String s = value.toString();
    return s.length() <= QUOTED ? s : s.substring(0, QUOTED) + "…";
  }

  /** Parses a required digest argument. */
  static Digest digest(String text, Opcode op) {
    if (text == null) {
      throw new InvalidArgumentException(op.label() + ": the argument digest is missing");
    }
    return Digest.parse(text);
  }
}
