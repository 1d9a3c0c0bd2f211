package io.strata.store.image.layer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one JSON mapper of the image engine, and decoding that names the document it failed on. */
public final class JsonCodec {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL);

  private JsonCodec() {}

  public static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static <T> T read(byte[] json, Class<T> type, String what) {
    try {
      return MAPPER.readValue(json, type);
    } catch (IOException e) {
      throw new InvalidArgumentException(what + ": not valid JSON (" + e.getMessage() + ")");
    }
  }

  /** An object document from untrusted input. */
  public static ObjectNode object(byte[] json, String what) {
    JsonNode n = read(json, JsonNode.class, what);
    if (!(n instanceof ObjectNode o)) {
      throw new InvalidArgumentException(what + ": expected a JSON object");
    }
    return o;
  }
}
