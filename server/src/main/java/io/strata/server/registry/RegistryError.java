package io.strata.server.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * A request the registry refuses, with the spec's error code and HTTP status; its body is the
 * spec's {@code {"errors":[{"code","message"}]}}.
 */
final class RegistryError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final transient HttpResponseStatus status;
  private final String code;
  // the WWW-Authenticate challenge of a 401, else null
  private final String challenge;

  RegistryError(HttpResponseStatus status, String code, String message) {
    this(status, code, message, null);
  }

  private RegistryError(HttpResponseStatus status, String code, String message, String challenge) {
    super(message);
    this.status = status;
    this.code = code;
    this.challenge = challenge;
  }

  /** A request that needs the token, answered 401 with {@code challenge} as WWW-Authenticate. */
  static RegistryError unauthorized(String message, String challenge) {
    return new RegistryError(HttpResponseStatus.UNAUTHORIZED, "UNAUTHORIZED", message, challenge);
  }

  /** The WWW-Authenticate challenge to answer with, or null. */
  String challenge() {
    return challenge;
  }

  HttpResponseStatus status() {
    return status;
  }

  String code() {
    return code;
  }

  static RegistryError blobUnknown(String message) {
    return new RegistryError(HttpResponseStatus.NOT_FOUND, "BLOB_UNKNOWN", message);
  }

  static RegistryError manifestUnknown(String message) {
    return new RegistryError(HttpResponseStatus.NOT_FOUND, "MANIFEST_UNKNOWN", message);
  }

  static RegistryError uploadUnknown(String message) {
    return new RegistryError(HttpResponseStatus.NOT_FOUND, "BLOB_UPLOAD_UNKNOWN", message);
  }

  static RegistryError uploadInvalid(String message) {
    return new RegistryError(HttpResponseStatus.BAD_REQUEST, "BLOB_UPLOAD_INVALID", message);
  }

  static RegistryError digestInvalid(String message) {
    return new RegistryError(HttpResponseStatus.BAD_REQUEST, "DIGEST_INVALID", message);
  }

  static RegistryError nameInvalid(String message) {
    return new RegistryError(HttpResponseStatus.BAD_REQUEST, "NAME_INVALID", message);
  }

  static RegistryError unsupported(String message) {
    return new RegistryError(HttpResponseStatus.METHOD_NOT_ALLOWED, "UNSUPPORTED", message);
  }

  static RegistryError rangeInvalid(String message) {
    return new RegistryError(
        HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "BLOB_UPLOAD_INVALID", message);
  }

  /** The error JSON. */
  byte[] body() {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode e = root.putArray("errors").addObject();
    e.put("code", code).put("message", getMessage());
    e.putNull("detail");
    return root.toString().getBytes(StandardCharsets.UTF_8);
  }
}
