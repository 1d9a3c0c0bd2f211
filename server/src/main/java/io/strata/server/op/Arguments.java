package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.ProtocolException;
import io.strata.protocol.message.Json;
import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;

/** Reads a request's JSON arguments, turning every defect into an INVALID_ARGUMENT naming it. */
final class Arguments {
  private Arguments() {}

  static <T> T read(byte[] json, Class<T> type, Opcode op) {
    try {
      return Json.read(json, type, op.label() + " arguments");
    } catch (ProtocolException e) {
      throw new InvalidArgumentException(e.getMessage(), e);
    }
  }

  /** Parses a required digest argument. */
  static Digest digest(String text, Opcode op) {
    if (text == null) {
      throw new InvalidArgumentException(op.label() + ": the argument digest is missing");
    }
    return Digest.parse(text);
  }
}
