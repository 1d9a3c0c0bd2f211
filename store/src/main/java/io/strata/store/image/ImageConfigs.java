package io.strata.store.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.error.InvalidArgumentException;
import java.util.ArrayList;
import java.util.List;

/** Reading and extending OCI image configs (the JSON whose digest is the image id). */
final class ImageConfigs {
  private ImageConfigs() {}

  /** A config with no layers for this host's platform, with no time in it (same tree, same id). */
  static ObjectNode empty() {
    ObjectNode c = JsonCodec.MAPPER.createObjectNode();
    String arch = System.getProperty("os.arch");
    c.put(
        "architecture", arch.equals("aarch64") ? "arm64" : arch.equals("x86_64") ? "amd64" : arch);
    c.put("os", "linux");
    c.putObject("config");
    ObjectNode rootfs = c.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids");
    c.putArray("history");
    return c;
  }

  /** Appends a layer (or, with {@code emptyLayer}, a history row only). */
  static void addLayer(ObjectNode config, String diffId, String createdBy, boolean emptyLayer) {
    if (!emptyLayer) {
      config.withObject("rootfs").put("type", "layers");
      config.withObject("rootfs").withArray("diff_ids").add(diffId);
    }
    ObjectNode h = config.withArray("history").addObject();
    h.put("created_by", createdBy);
    if (emptyLayer) {
      h.put("empty_layer", true);
    }
  }

  static List<String> diffIds(ObjectNode config, String what) {
    JsonNode ids = config.path("rootfs").path("diff_ids");
    if (!ids.isArray()) {
      throw new InvalidArgumentException(what + ": the config has no rootfs.diff_ids");
    }
    List<String> out = new ArrayList<>();
    ids.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The created_by of the history rows that made layers, bottom first. */
  static List<String> layerHistory(ObjectNode config) {
    List<String> out = new ArrayList<>();
    JsonNode h = config.path("history");
    if (h instanceof ArrayNode a) {
      a.forEach(
          n -> {
            if (!n.path("empty_layer").asBoolean(false)) {
              out.add(n.path("created_by").asText(""));
            }
          });
    }
    return out;
  }
}
