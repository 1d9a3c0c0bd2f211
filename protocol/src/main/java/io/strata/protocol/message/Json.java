package io.strata.protocol.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.strata.protocol.ProtocolException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one JSON configuration of the protocol: UTF-8, nulls left out, unknown keys ignored. */
public final class Json {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .defaultPropertyInclusion(
              JsonInclude.Value.construct(
                  JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
          .build();

  private static final byte[] EMPTY_OBJECT = {'{', '}'};

  private Json() {}

  /** The shared mapper; thread-safe. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** {@code {}}: the arguments of a request that takes none. */
  public static byte[] emptyObject() {
    return EMPTY_OBJECT.clone();
  }

  /** {@code value} as UTF-8 JSON. */
  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads {@code json} as a {@code type}; {@code what} names the message in the error. An empty
   * body reads as {@code {}}.
   */
  public static <T> T read(byte[] json, Class<T> type, String what) throws ProtocolException {
    try {
      return MAPPER.readValue(json.length == 0 ? EMPTY_OBJECT : json, type);
    } catch (JsonProcessingException e) {
      throw new ProtocolException(what + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ProtocolException(what + ": " + e.getMessage());
    }
  }

  /** Reads {@code json} as a tree, for bodies whose shape is open (driver entries). */
  public static JsonNode tree(byte[] json, String what) throws ProtocolException {
    return read(json, JsonNode.class, what);
  }
}
