package io.strata.protocol.message;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.strata.protocol.ProtocolException;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Json#read} for records of strings, numbers, booleans, records and lists of them, with
 * jackson-core's streaming parser alone: jackson-databind's start (its date formats, locale data
 * and bean introspection, ≈ 0.1 s) is most of a short command's (docs/PERF.md, "CLI startup").
 * Unknown keys are skipped and absent keys of reference types are null, as Json.read has them. Only
 * a body that is plainly valid for the type is read here; anything else (a null for a primitive, a
 * string where a number belongs, a type of another kind, broken JSON) is handed to {@link
 * Json#read}, so that every value read and every error is exactly Json.read's.
 */
public final class JsonRecords {
  private static final JsonFactory FACTORY = new JsonFactory();

  private static final byte[] EMPTY_OBJECT = {'{', '}'};

  /**
   * A primitive's key that the body lacks: Json.read refuses it as a null
   * (FAIL_ON_NULL_FOR_PRIMITIVES applies to absent creator properties too), so it is not plain.
   */
  private static final Object ABSENT = new Object();

  /** How to build each record type read so far. */
  private static final Map<Class<?>, Shape> SHAPES = new ConcurrentHashMap<>();

  private JsonRecords() {}

  /** As {@link Json#read}: {@code json} as a {@code type}; {@code what} names it in errors. */
  public static <T> T read(byte[] json, Class<T> type, String what) throws ProtocolException {
    Optional<T> value = plain(json, type);
    return value.isPresent() ? value.get() : Json.read(json, type, what);
  }

  /**
   * {@code json} as a {@code type} when it is plainly one (an object of the record's keys with
   * values of their types, unknown keys skipped, absent strings, records and lists null); empty
   * when Json.read is to judge it.
   */
  static <T> Optional<T> plain(byte[] json, Class<T> type) {
    if (!type.isRecord()) {
      return Optional.empty();
    }
    try (JsonParser p = FACTORY.createParser(json.length == 0 ? EMPTY_OBJECT : json)) {
      Object value = value(p, p.nextToken(), type);
      return p.nextToken() == null ? Optional.ofNullable(type.cast(value)) : Optional.empty();
    } catch (NotPlain | IOException e) {
      return Optional.empty();
    }
  }

  /** A token this reader does not take for the type it reads: Json.read's to judge. */
  private static final class NotPlain extends Exception {
    private static final long serialVersionUID = 1L;

    NotPlain() {
      super(null, null, false, false);
    }
  }

  private static Object value(JsonParser p, JsonToken t, Type type) throws IOException, NotPlain {
    if (t == JsonToken.VALUE_NULL) {
      if (type instanceof Class<?> c && c.isPrimitive()) {
        throw new NotPlain();
      }
      return null;
    }
    if (type == String.class && t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if ((type == long.class || type == Long.class) && t == JsonToken.VALUE_NUMBER_INT) {
      return p.getLongValue();
    }
    if ((type == int.class || type == Integer.class) && t == JsonToken.VALUE_NUMBER_INT) {
      return p.getIntValue();
    }
    if ((type == double.class || type == Double.class) && t.isNumeric()) {
      return p.getDoubleValue();
    }
    if ((type == boolean.class || type == Boolean.class) && t.isBoolean()) {
      return t == JsonToken.VALUE_TRUE;
    }
    if (type instanceof Class<?> c && c.isRecord() && t == JsonToken.START_OBJECT) {
      return record(p, c);
    }
    if (type instanceof ParameterizedType l
        && l.getRawType() == List.class
        && t == JsonToken.START_ARRAY) {
      List<Object> items = new ArrayList<>();
      for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
        items.add(value(p, e, l.getActualTypeArguments()[0]));
      }
      return items;
    }
    throw new NotPlain();
  }

  private static Object record(JsonParser p, Class<?> type) throws IOException, NotPlain {
    Shape shape = SHAPES.computeIfAbsent(type, Shape::new);
    Object[] args = shape.defaults.clone();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      Integer at = shape.index.get(p.currentName());
      JsonToken v = p.nextToken();
      if (at == null) {
        p.skipChildren();
      } else {
        args[at] = value(p, v, shape.types[at]);
      }
    }
    for (Object a : args) {
      if (a == ABSENT) {
        throw new NotPlain();
      }
    }
    try {
      return shape.constructor.newInstance(args);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new NotPlain();
    }
  }

  /** A record type's canonical constructor, its components' types and their defaults. */
  private static final class Shape {
    final Constructor<?> constructor;
    final Type[] types;
    final Object[] defaults;
    final Map<String, Integer> index = new HashMap<>();

    Shape(Class<?> type) {
      RecordComponent[] components = type.getRecordComponents();
      Class<?>[] raw = new Class<?>[components.length];
      types = new Type[components.length];
      defaults = new Object[components.length];
      for (int i = 0; i < components.length; i++) {
        raw[i] = components[i].getType();
        types[i] = components[i].getGenericType();
        defaults[i] = raw[i].isPrimitive() ? ABSENT : null;
        index.put(components[i].getName(), i);
      }
      try {
        constructor = type.getDeclaredConstructor(raw);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException("record " + type.getName() + " has no canonical one", e);
      }
    }
  }
}
