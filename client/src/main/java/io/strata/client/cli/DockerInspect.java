package io.strata.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.client.StrataClient;
import io.strata.protocol.message.ContainerInspectReply;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.DriverPropertyArgs;
import io.strata.protocol.message.HistoryItem;
import io.strata.protocol.message.InspectReply;
import io.strata.protocol.message.Json;
import io.strata.protocol.message.MountItem;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Images and containers as {@code docker inspect} prints them: docker's keys ({@code Id}, {@code
 * RepoTags}, {@code RootFS.Layers}, {@code State}, {@code Mounts}, ...) with Strata's values, and
 * {@code GraphDriver} naming the storage driver with its own data (the top layer's snapshot).
 */
final class DockerInspect {
  private static final String NEVER = "0001-01-01T00:00:00Z";

  private final StrataClient client;
  private String driver;

  DockerInspect(StrataClient client) {
    this.client = client;
  }

  private String driver() throws IOException {
    if (driver == null) {
      driver = client.info().driver();
    }
    return driver;
  }

  /** Volume {@code name} in docker's shape (that of {@code volume inspect}). */
  Map<String, Object> volume(String name) throws IOException {
    return VolumeCommands.docker(client.inspectVolume(name));
  }

  /** Image {@code ref} in docker's shape. */
  Map<String, Object> image(String ref) throws IOException {
    InspectReply r = client.inspect(ref);
    JsonNode config = r.config();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", r.id());
    m.put("RepoTags", r.repoTags());
    m.put("RepoDigests", r.repoDigests());
    m.put("Parent", "");
    m.put("Comment", "");
    // RFC 3339 or left out (as docker leaves out a time an image lacks), never an empty string
    String created = r.created() != null ? r.created() : text(config, "created");
    if (!created.isEmpty()) {
      m.put("Created", created);
    }
    m.put("Author", text(config, "author"));
    m.put("Config", map(config == null ? null : config.get("config")));
    m.put("Architecture", text(config, "architecture"));
    m.put("Os", text(config, "os"));
    m.put("Size", imageSize(r.id()));
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("TopLayer", r.topLayer());
    m.put("GraphDriver", Map.of("Name", driver(), "Data", data));
    Map<String, Object> rootfs = new LinkedHashMap<>();
    rootfs.put("Type", "layers");
    rootfs.put("Layers", r.layers());
    m.put("RootFS", rootfs);
    return m;
  }

  /**
   * docker's Size of an image: its layers' uncompressed bytes (the sizes {@code image history}
   * shows), not the stored bytes {@code images} shows beside SHARED and UNIQUE.
   */
  private long imageSize(String id) throws IOException {
    long total = 0;
    for (HistoryItem h : client.history(id)) {
      total += h.size();
    }
    return total;
  }

  /** Container {@code ref} in docker's shape; {@code SizeRw} and {@code SizeRootFs} with size. */
  Map<String, Object> container(String ref, boolean size) throws IOException {
    ContainerInspectReply c = client.inspectContainer(ref);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", c.id());
    m.put("Created", c.created());
    m.put("Path", "");
    m.put("Args", List.of());
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("Status", "created"); // Strata stores containers and never runs them
    state.put("Running", false);
    state.put("Paused", false);
    state.put("Restarting", false);
    state.put("OOMKilled", false);
    state.put("Dead", false);
    state.put("Pid", 0);
    state.put("ExitCode", 0);
    state.put("Error", "");
    state.put("StartedAt", NEVER);
    state.put("FinishedAt", NEVER);
    m.put("State", state);
    m.put("Image", c.imageId());
    m.put("Name", "/" + c.name());
    m.put("Driver", driver());
    List<Map<String, Object>> mounts = new ArrayList<>();
    for (MountItem mount : c.mounts()) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("Type", mount.type());
      if (mount.type().equals("volume")) {
        d.put("Name", mount.source());
        d.put("Source", client.inspectVolume(mount.source()).mountpoint());
        d.put("Driver", "local");
      } else {
        d.put("Source", mount.source());
      }
      d.put("Destination", mount.target());
      d.put("Mode", mount.readOnly() ? "ro" : "");
      d.put("RW", !mount.readOnly());
      d.put("Propagation", "");
      mounts.add(d);
    }
    m.put("Mounts", mounts);
    m.put("Config", config(c));
    Map<String, Object> graph = new LinkedHashMap<>();
    graph.put("Container", c.id());
    if (size) {
      graph.putAll(driverSpace(CONTAINER_SNAPSHOT + c.id()));
    }
    m.put("GraphDriver", Map.of("Name", driver(), "Data", graph));
    if (size) {
      for (ContainerItem i : client.containers()) {
        if (i.id().equals(c.id())) {
          m.put("SizeRw", i.size());
          m.put("SizeRootFs", i.virtualSize());
        }
      }
    }
    return m;
  }

  /** The snapshot key of a container's writable layer (the store's container records name it). */
  private static final String CONTAINER_SNAPSHOT = "ctr-";

  /**
   * The space of snapshot {@code key} as the driver's own tool reports it, exact bytes: btrfs's
   * {@code filesystem du -s} (Total, Exclusive, Set shared) and qgroup usage (referenced,
   * exclusive) from {@code subvolume show}; zfs's {@code used}, {@code referenced} and {@code
   * written} from {@code zfs get -p}, and the dataset's name.
   */
  private Map<String, Object> driverSpace(String key) throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    switch (driver()) {
      case "btrfs" -> {
        JsonNode du = client.driverProperty(new DriverPropertyArgs("du", null, null, key)).get(0);
        out.put("Total", du.path("Total").asLong());
        out.put("Exclusive", du.path("Exclusive").asLong());
        out.put("SetShared", du.path("Set shared").asLong());
        JsonNode show =
            client.driverProperty(new DriverPropertyArgs("show", null, null, key)).get(0);
        out.put("Subvolume", show.path("Subvolume ID").asLong());
        out.put("Referenced", show.path("Usage referenced").asLong());
        out.put("QgroupExclusive", show.path("Usage exclusive").asLong());
      }
      case "zfs" -> {
        for (JsonNode r :
            client.driverProperty(new DriverPropertyArgs("get", "all", "parsable", key))) {
          out.putIfAbsent("Dataset", r.path("name").asText());
          String p = r.path("property").asText();
          if (p.equals("used") || p.equals("referenced") || p.equals("written")) {
            out.put(Character.toUpperCase(p.charAt(0)) + p.substring(1), r.path("value").asLong());
          }
        }
      }
      default -> {
        // a driver without a native tool: docker's SizeRw and SizeRootFs say it all
      }
    }
    return out;
  }

  /**
   * docker's container {@code Config}: the image's, with the container's environment (a KEY it sets
   * replaces the image's), labels and working directory over it.
   */
  @SuppressWarnings("unchecked")
  private Map<String, Object> config(ContainerInspectReply c) throws IOException {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("Image", c.image());
    InspectReply image = client.inspect(c.imageId());
    Map<String, Object> imageConfig =
        map(image.config() == null ? null : image.config().get("config"));
    if (imageConfig != null) {
      imageConfig.forEach(config::putIfAbsent);
    }
    Map<String, String> env = new LinkedHashMap<>();
    if (config.get("Env") instanceof List<?> l) {
      for (Object e : l) {
        String s = String.valueOf(e);
        int eq = s.indexOf('=');
        env.put(eq < 0 ? s : s.substring(0, eq), s);
      }
    }
    for (String s : c.env()) {
      env.put(s.substring(0, s.indexOf('=')), s);
    }
    config.put("Env", List.copyOf(env.values()));
    Map<String, Object> labels = new TreeMap<>();
    if (config.get("Labels") instanceof Map<?, ?> l) {
      labels.putAll((Map<String, Object>) l);
    }
    labels.putAll(c.labels());
    config.put("Labels", labels);
    if (c.workdir() != null) {
      config.put("WorkingDir", c.workdir());
    } else {
      config.putIfAbsent("WorkingDir", "");
    }
    return config;
  }

  private static String text(JsonNode node, String field) {
    return node == null || node.get(field) == null ? "" : node.get(field).asText();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(JsonNode node) {
    return node == null || !node.isObject()
        ? null
        : Json.mapper().convertValue(node, LinkedHashMap.class);
  }
}
