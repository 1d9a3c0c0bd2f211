package io.strata.containerd;

import com.google.protobuf.FieldMask;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Labels as containerd keeps them: a key and its value together at most 4096 bytes, an empty value
 * the same as no label, and updates by field mask ({@code labels} replaces all, {@code labels.K}
 * sets or, with an empty value, removes one; no mask replaces all).
 */
final class Labels {
  private static final int MAX_PAIR_BYTES = 4096;

  private Labels() {}

  /** {@code labels} without empty values; INVALID_ARGUMENT for an oversized pair. */
  static Map<String, String> clean(Map<String, String> labels) {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : labels.entrySet()) {
      int bytes =
          e.getKey().getBytes(StandardCharsets.UTF_8).length
              + e.getValue().getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_PAIR_BYTES) {
        throw ErrorCodes.invalid(
            "label "
                + e.getKey()
                + ": key and value take "
                + bytes
                + " bytes, more than the maximum of "
                + MAX_PAIR_BYTES);
      }
      if (!e.getValue().isEmpty()) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /**
   * The labels of {@code what} after an update asking for {@code requested} under {@code mask};
   * INVALID_ARGUMENT for a path other than {@code labels} and {@code labels.K} (the rest of an
   * object is immutable).
   */
  static Map<String, String> update(
      String what, Map<String, String> current, Map<String, String> requested, FieldMask mask) {
    if (mask == null || mask.getPathsCount() == 0) {
      return clean(requested);
    }
    Map<String, String> out = new TreeMap<>(current);
    for (String path : mask.getPathsList()) {
      if (path.equals("labels")) {
        out = new TreeMap<>(requested);
      } else if (path.startsWith("labels.")) {
        String key = path.substring("labels.".length());
        out.put(key, requested.getOrDefault(key, ""));
      } else {
        throw ErrorCodes.invalid("cannot update " + path + " of " + what + ": it is immutable");
      }
    }
    return clean(out);
  }
}
