package io.strata.store.image.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.digest.Digest;
import io.strata.store.driver.StorageDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.FileSystemView;
import io.strata.store.image.layer.EntryPath;
import io.strata.store.image.layer.ImageConfigs;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.roaringbitmap.RoaringBitmap;

/**
 * Runs one build. The context is first written into a temporary snapshot (so a streamed tar and a
 * directory are read the same way, with the same checks). The stages the target needs (the last
 * stage, or {@code --target}, and those it reads through {@code FROM stage} or {@code COPY --from})
 * run in order; each COPY or ADD makes one layer over the previous, the other instructions change
 * the config only and add a history row with {@code empty_layer}. Every step has a key: the digest
 * of the previous step's key, the instruction's text (variables replaced) and the digest of its
 * inputs (the files it copies, with their paths, types, modes, sizes, link targets and contents). A
 * step whose key is in the cache ({@code img/cache/<key>}) reuses the layer and the time recorded
 * there and logs {@code ---> Using cache}, so an unchanged build gives the same image id; {@code
 * --no-cache} builds every step again.
 */
public final class ImageBuilder {
  /** The images a build reads: the bases of {@code FROM} and the sources of {@code COPY --from}. */
  public interface Images {
    /**
     * The image {@code ref} names (a tag, an id or a prefix of one).
     *
     * @throws NotFoundException if there is none
     */
    Base find(String ref);
  }

  /**
   * An image a build starts from or copies from.
   *
   * @param id its id
   * @param config its config, byte for byte
   * @param layers the chain ids of its layers, bottom first
   */
  public record Base(String id, byte[] config, List<String> layers) {}

  /**
   * What a build made, for the image store to record.
   *
   * @param config the image config
   * @param layers the image's layers, bottom first
   */
  public record Built(byte[] config, List<LayerStore.Result> layers) {}

  private final Dockerfile file;
  private final ChunkStore chunks;
  private final StorageDriver driver;
  private final LayerStore layers;
  private final Images images;

  /**
   * A build of {@code dockerfile}, parsed here so that a bad one is refused before anything is
   * locked or written; its layers go to {@code layers} over {@code driver}, its cache to {@code
   * chunks}, and it reads base images from {@code images}.
   */
  public ImageBuilder(
      String dockerfile,
      ChunkStore chunks,
      StorageDriver driver,
      LayerStore layers,
      Images images) {
    this.file = Dockerfile.parse(dockerfile);
    this.chunks = chunks;
    this.driver = driver;
    this.layers = layers;
    this.images = images;
  }

  /**
   * Runs the build with {@code options}, its context written by {@code contextWriter}; {@code log}
   * gets Docker's classic step lines. The caller records the image it made.
   */
  public Built run(BuildOptions options, LayerStore.TreeWriter contextWriter, Consumer<String> log)
      throws IOException {
    String ctxKey = LayerStore.TMP + "context-" + UUID.randomUUID();
    driver.prepare(ctxKey, null, Map.of());
    try {
      FileSystemView ctx = driver.fs(ctxKey);
      ctx.deferSync(true);
      contextWriter.write(ctx);
      ctx.sync();
      return new Run(file, options, ctx, log).build();
    } finally {
      driver.remove(ctxKey);
    }
  }

  /**
   * What a stage left: its config, top layer, layers (bottom first) and last step key.
   *
   * @param config the image config after the stage's last step
   * @param chain the chain id of its top layer (null: no layer)
   * @param layers its layers, bottom first
   * @param key the key of its last step
   */
  private record StageResult(
      ObjectNode config, String chain, List<LayerStore.Result> layers, Digest key) {}

  /** One build: its stages' results so far and the step counter the log shows. */
  private final class Run {
    private final Dockerfile file;
    private final BuildOptions options;
    private final CopyStep.Source context;
    private final Consumer<String> log;
    private final BuildArguments args;

    /** The time SOURCE_DATE_EPOCH fixes, or null: each step's own. */
    private final String fixedCreated;

    private final Map<Integer, StageResult> done = new HashMap<>();
    private int step;
    private int steps;

    Run(Dockerfile file, BuildOptions options, FileSystemView ctx, Consumer<String> log) {
      this.file = file;
      this.options = options;
      this.context = new CopyStep.Source(ctx, "the build context");
      this.log = log;
      this.args = new BuildArguments(options.buildArgs());
      this.fixedCreated = args.fixedCreated();
    }

    Built build() throws IOException {
      BuildStage target = target(file, options);
      List<BuildStage> order = needed(file, target);
      steps = file.globalArgs().size();
      for (BuildStage s : order) {
        steps += 1 + s.steps().size();
      }
      for (Instruction arg : file.globalArgs()) {
        log.accept("Step " + (++step) + "/" + steps + " : " + arg.text());
        args.declareGlobal(arg);
      }
      for (BuildStage s : order) {
        done.put(s.index(), stage(s));
      }
      Set<String> unused = args.unconsumed();
      if (!unused.isEmpty()) {
        log.accept("[Warning] One or more build-args " + unused + " were not consumed");
      }
      StageResult last = done.get(target.index());
      return new Built(JsonCodec.bytes(last.config()), last.layers());
    }

    /**
     * Image {@code ref} as {@code FROM} or {@code COPY --from} reads it: the image the caller
     * resolved for this build ({@link BuildOptions#images}), else what the store names so.
     */
    private Base find(String ref) {
      return images.find(options.images().getOrDefault(ref, ref));
    }

    private StageResult stage(BuildStage stage) throws IOException {
      Instruction from = stage.from();
      log.accept("Step " + (++step) + "/" + steps + " : " + from.text());
      args.startStage();
      String base = BuildVariables.expandWord(stage.base(), args.globals(), from);
      if (base.isEmpty()) {
        throw new InvalidArgumentException(
            "Dockerfile line "
                + from.line()
                + ": FROM "
                + stage.base()
                + " names no image (its variables are empty; ARG before FROM sets them)");
      }
      checkPlatform(stage, from);
      State st;
      BuildStage earlier = file.stage(base);
      if (base.equals("scratch")) {
        st = new State(ImageConfigs.empty(), null, new ArrayList<>(), digest("FROM scratch"));
        log.accept(" ---> ");
      } else if (earlier != null && earlier.index() < stage.index()) {
        StageResult r = done.get(earlier.index());
        st = new State(r.config().deepCopy(), r.chain(), new ArrayList<>(r.layers()), r.key());
        log.accept(" ---> " + r.key().hex().substring(0, 12));
      } else {
        Base image;
        try {
          image = find(base);
        } catch (NotFoundException e) {
          throw new NotFoundException(
              notInStore("Dockerfile line " + from.line() + ": FROM " + base, base), e);
        }
        String id = image.id();
        ObjectNode config = JsonCodec.object(image.config(), "image " + base + " config");
        List<LayerStore.Result> built = new ArrayList<>();
        for (String c : image.layers()) {
          built.add(new LayerStore.Result(layers.get(c), true));
        }
        String chain =
            image.layers().isEmpty() ? null : image.layers().get(image.layers().size() - 1);
        st = new State(config, chain, built, digest("FROM " + id));
        log.accept(" ---> " + id.substring(7, 19));
      }
      st.triggers(stage);
      for (Instruction in : stage.steps()) {
        log.accept("Step " + (++step) + "/" + steps + " : " + in.text());
        st.step(in, stage);
      }
      return new StageResult(st.config, st.chain, st.built, st.key);
    }

    /** {@code FROM --platform=P} builds only this host's platform, the one Strata has. */
    private void checkPlatform(BuildStage stage, Instruction from) {
      if (stage.platform() == null) {
        return;
      }
      String p = BuildVariables.expandWord(stage.platform(), args.globals(), from);
      String host = "linux/" + ImageConfigs.hostArchitecture();
      if (!p.equals(host) && !p.startsWith(host + "/")) {
        throw new InvalidArgumentException(
            "Dockerfile line "
                + from.line()
                + ": FROM --platform="
                + p
                + ": only this host's platform "
                + host
                + " is built");
      }
    }

    /** The file system {@code COPY --from=ref} reads: an earlier stage's, or an image's. */
    private CopyStep.Source source(String ref, Instruction in, BuildStage current)
        throws IOException {
      BuildStage s = file.stage(ref);
      if (s != null) {
        if (s.index() >= current.index()) {
          throw new InvalidArgumentException(
              "Dockerfile line "
                  + in.line()
                  + ": COPY --from="
                  + ref
                  + " names a stage that is not built before it");
        }
        StageResult r = done.get(s.index());
        if (r.chain() == null) {
          throw new NotFoundException(
              "Dockerfile line " + in.line() + ": COPY --from=" + ref + ": the stage has no files");
        }
        return new CopyStep.Source(driver.fs(r.chain()), "stage " + ref);
      }
      Base image;
      try {
        image = find(ref);
      } catch (NotFoundException e) {
        throw new NotFoundException(
            notInStore(
                "Dockerfile line " + in.line() + ": COPY --from=" + ref + ": no stage of that name",
                ref),
            e);
      }
      List<String> l = image.layers();
      if (l.isEmpty()) {
        throw new NotFoundException(
            "Dockerfile line " + in.line() + ": COPY --from=" + ref + ": the image has no files");
      }
      return new CopyStep.Source(driver.fs(l.get(l.size() - 1)), "image " + ref);
    }

    /** A stage being built: its config, top layer, layers and last key. */
    private final class State {
      final ObjectNode config;
      final ConfigInstructions configInstructions;
      String chain;
      final List<LayerStore.Result> built;
      Digest key;

      State(ObjectNode config, String chain, List<LayerStore.Result> built, Digest key) {
        this.config = config;
        this.configInstructions = new ConfigInstructions(config);
        this.chain = chain;
        this.built = built;
        this.key = key;
      }

      /**
       * Runs the base's {@code ONBUILD} triggers, as Docker does right after {@code FROM}; the new
       * image does not inherit them.
       */
      void triggers(BuildStage stage) throws IOException {
        JsonNode onBuild = config.path("config").path("OnBuild");
        if (!onBuild.isArray() || onBuild.isEmpty()) {
          return;
        }
        List<String> triggers = new ArrayList<>();
        onBuild.forEach(t -> triggers.add(t.asText()));
        config.withObject("config").remove("OnBuild");
        log.accept(
            "# Executing " + triggers.size() + " build trigger" + (triggers.size() > 1 ? "s" : ""));
        for (String t : triggers) {
          step(Dockerfile.instruction(t, stage.from().line()), stage);
        }
      }

      void step(Instruction written, BuildStage stage) throws IOException {
        Map<String, String> vars = args.variables(BuildVariables.of(config));
        if (written.keyword().equals("ARG")) {
          key = digest(key + "\n" + args.declare(written, vars));
          log.accept(" ---> " + key.hex().substring(0, 12));
          return;
        }
        // The cache key and the step's effect use the instruction with its variables replaced.
        Instruction in = BuildVariables.expand(written, vars);
        boolean makesLayer = in.keyword().equals("COPY") || in.keyword().equals("ADD");
        CopyStep copy =
            makesLayer
                ? new CopyStep(
                    in,
                    context,
                    (ref, i) -> source(ref, i, stage),
                    new ImageAccounts(chain == null ? null : driver.fs(chain), in),
                    ConfigInstructions.workdir(config))
                : null;
        key = digest(key + "\n" + in.text() + "\n" + (copy == null ? "" : copy.inputs()));
        String cacheRoot = CacheRecord.PREFIX + key.hex();
        CacheRecord hit = options.noCache() ? null : cached(cacheRoot);
        if (hit != null) {
          log.accept(" ---> Using cache");
        }
        String created =
            fixedCreated != null
                ? fixedCreated
                : hit != null && hit.created() != null ? hit.created() : Instant.now().toString();
        if (makesLayer) {
          LayerStore.Result r =
              hit != null
                  ? new LayerStore.Result(layers.get(hit.chainId()), true)
                  : layers.importTree(chain, copy::apply);
          chain = r.layer().chainId();
          built.add(r);
          ImageConfigs.addLayer(config, r.layer().diffId(), in.text(), false, created);
        } else {
          configInstructions.apply(in);
          ImageConfigs.addLayer(config, null, in.text(), true, created);
        }
        if (hit == null) {
          commit(
              List.of(
                  new RootChange.Put(
                      new Root(
                          cacheRoot,
                          0,
                          JsonCodec.bytes(new CacheRecord(chain, created)),
                          new RoaringBitmap()))));
        }
        log.accept(" ---> " + key.hex().substring(0, 12));
      }

      /** The cache entry under {@code root}, if its layer is still there. */
      private CacheRecord cached(String root) {
        Root cached = chunks.root(root);
        CacheRecord hit =
            cached == null ? null : JsonCodec.read(cached.payload(), CacheRecord.class, root);
        if (hit != null && hit.chainId() != null && layers.find(hit.chainId()) == null) {
          return null;
        }
        return hit;
      }
    }
  }

  /** The stage {@code options} builds: {@code --target}, else the last. */
  static BuildStage target(Dockerfile file, BuildOptions options) {
    if (options.target() == null || options.target().isEmpty()) {
      return file.stages().get(file.stages().size() - 1);
    }
    BuildStage t = file.stage(options.target());
    if (t == null || t.name() == null) {
      throw new InvalidArgumentException(
          "build target " + options.target() + ": no stage of the Dockerfile has that name");
    }
    return t;
  }

  /** The target and the stages it reads, directly or not, in Dockerfile order. */
  static List<BuildStage> needed(Dockerfile file, BuildStage target) {
    Set<BuildStage> need = new HashSet<>();
    Deque<BuildStage> todo = new ArrayDeque<>(List.of(target));
    while (!todo.isEmpty()) {
      BuildStage s = todo.pop();
      if (need.add(s)) {
        todo.addAll(s.dependencies(file));
      }
    }
    return file.stages().stream().filter(need::contains).toList();
  }

  /**
   * Why image {@code ref} cannot be read: the store does not have it. A registry reference the
   * caller would have pulled only gets here when its name came from a variable the pull could not
   * see, so the advice covers both.
   */
  static String notInStore(String what, String ref) {
    return what
        + ": image "
        + ref
        + " is not in the store (Strata has no default registry: name one, FROM"
        + " REGISTRY/REPO:TAG, to have the build pull it, or pull or import it first)";
  }

  private void commit(List<RootChange> changes) throws IOException {
    try (WriteSession s = chunks.session()) {
      s.commit(changes);
    }
  }

  static String resolve(String dir, String path) {
    String p = path.startsWith("/") ? path : EntryPath.join(dir, path);
    return EntryPath.of(clean(p).substring(1), "/");
  }

  /**
   * {@code path} (absolute) with {@code .} and {@code ..} taken lexically, a {@code ..} at the root
   * staying there, as docker cleans a destination or WORKDIR ({@code /../../x} is {@code /x}).
   */
  static String clean(String path) {
    java.util.Deque<String> parts = new java.util.ArrayDeque<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        parts.pollLast();
      } else {
        parts.addLast(part);
      }
    }
    return "/" + String.join("/", parts);
  }

  /** Whether {@code path}, taken from the root, climbs above it with {@code ..}. */
  static boolean climbsAbove(String path) {
    int depth = 0;
    for (String part : path.split("/")) {
      if (part.equals("..")) {
        if (--depth < 0) {
          return true;
        }
      } else if (!part.isEmpty() && !part.equals(".")) {
        depth++;
      }
    }
    return false;
  }

  private static Digest digest(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return Digest.sha256(b, 0, b.length);
  }
}
