package io.strata.store.image.layer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.error.InvalidArgumentException;
import java.util.ArrayList;
import java.util.List;

/** Reading and extending OCI image configs (the JSON whose digest is the image id). */
public final class ImageConfigs {
  private ImageConfigs() {}

  /** This host's architecture as OCI names it ({@code amd64}, {@code arm64}, ...). */
  public static String hostArchitecture() {
    String arch = System.getProperty("os.arch");
    return arch.equals("aarch64") ? "arm64" : arch.equals("x86_64") ? "amd64" : arch;
  }

  /**
   * A config with no layers for this host's platform. A build gives it the {@code created} time of
   * its last step; a step reused from the cache keeps the time it was first built, so an unchanged
   * build gives the same config and image id.
   */
  public static ObjectNode empty() {
    ObjectNode c = JsonCodec.MAPPER.createObjectNode();
    c.put("architecture", hostArchitecture());
    c.put("os", "linux");
    c.putObject("config");
    ObjectNode rootfs = c.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids");
    c.putArray("history");
    return c;
  }

  /** Appends a layer (or, with {@code emptyLayer}, a history row only). */
  public static void addLayer(
      ObjectNode config, String diffId, String createdBy, boolean emptyLayer) {
    addLayer(config, diffId, createdBy, emptyLayer, null);
  }

  /**
   * Appends a layer (or, with {@code emptyLayer}, a history row only) made at {@code created} (an
   * RFC 3339 time, or null for none), which becomes the config's {@code created} too, as Docker
   * writes them.
   */
  public static void addLayer(
      ObjectNode config, String diffId, String createdBy, boolean emptyLayer, String created) {
    if (!emptyLayer) {
      config.withObject("rootfs").put("type", "layers");
      config.withObject("rootfs").withArray("diff_ids").add(diffId);
    }
    ObjectNode h = config.withArray("history").addObject();
    if (created != null) {
      h.put("created", created);
      config.put("created", created);
    }
    h.put("created_by", createdBy);
    if (emptyLayer) {
      h.put("empty_layer", true);
    }
  }

  public static List<String> diffIds(ObjectNode config, String what) {
    JsonNode ids = config.path("rootfs").path("diff_ids");
    if (!ids.isArray()) {
      throw new InvalidArgumentException(what + ": the config has no rootfs.diff_ids");
    }
    List<String> out = new ArrayList<>();
    ids.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The created_by of the history rows that made layers, bottom first. */
  public static List<String> layerHistory(ObjectNode config) {
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
