package io.strata.store.image.layer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

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

  /**
   * Decodes {@code json} as a {@code type}; a document that does not decode is refused in one line
   * naming {@code what} and where it fails, never with the parser's own message, which spans lines
   * and names its internals.
   */
  public static <T> T read(byte[] json, Class<T> type, String what) {
    try {
      return MAPPER.readValue(json, type);
    } catch (StreamReadException e) {
      throw new InvalidArgumentException(what + ": not valid JSON" + at(e.getLocation()), e);
    } catch (JsonProcessingException e) {
      if (json.length == 0 || new String(json, StandardCharsets.UTF_8).isBlank()) {
        throw new InvalidArgumentException(what + ": empty, not a JSON document", e);
      }
      throw new InvalidArgumentException(
          what + ": not the JSON document expected" + at(e.getLocation()), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading bytes in memory
    }
  }

  private static String at(JsonLocation where) {
    return where == null || where.getLineNr() < 1
        ? ""
        : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
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
