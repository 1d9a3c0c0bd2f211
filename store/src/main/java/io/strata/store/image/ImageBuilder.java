package io.strata.store.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.digest.Digest;
import io.strata.store.driver.StorageDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.roaringbitmap.RoaringBitmap;

/**
 * Runs one build. The context is first written into a temporary snapshot (so a streamed tar and a
 * directory are read the same way, with the same checks); each COPY or ADD makes one layer over the
 * previous; the other instructions change the config only. Every step has a key: the digest of the
 * previous step's key, the instruction's text and the digest of its inputs (the files it copies,
 * with their paths, types, modes, sizes, link targets and contents). A step whose key is in the
 * cache ({@code img/cache/<key>}) reuses the layer recorded there and logs {@code ---> Using
 * cache}. Configs carry no build time, so an unchanged build gives the same image id.
 */
final class ImageBuilder {
  private final ImageStore images;
  private final ChunkStore chunks;
  private final StorageDriver driver;
  private final LayerStore layers;

  ImageBuilder(ImageStore images, ChunkStore chunks) {
    this.images = images;
    this.chunks = chunks;
    this.driver = images.driver();
    this.layers = images.layers();
  }

  ImportResult run(
      List<Instruction> steps,
      List<ImageRef> tags,
      LayerStore.TreeWriter contextWriter,
      Consumer<String> log)
      throws IOException {
    String ctxKey = LayerStore.TMP + "context-" + UUID.randomUUID();
    driver.prepare(ctxKey, null, Map.of());
    try {
      FileSystemView ctx = driver.fs(ctxKey);
      ctx.deferSync(true);
      contextWriter.write(ctx);
      ctx.sync();
      return run(steps, tags, ctx, log);
    } finally {
      driver.remove(ctxKey);
    }
  }

  private ImportResult run(
      List<Instruction> steps, List<ImageRef> tags, FileSystemView ctx, Consumer<String> log)
      throws IOException {
    ObjectNode config = null;
    String chain = null;
    Digest key = null;
    List<LayerStore.Result> built = new ArrayList<>();
    int n = steps.size();
    for (int i = 0; i < n; i++) {
      Instruction written = steps.get(i);
      log.accept("Step " + (i + 1) + "/" + n + " : " + written.text());
      // The cache key and the step's effect use the instruction with its variables replaced.
      Instruction in =
          config == null ? written : BuildVariables.expand(written, BuildVariables.of(config));
      if (in.keyword().equals("FROM")) {
        String base = in.args().split("\\s+")[0];
        if (base.equals("scratch")) {
          config = ImageConfigs.empty();
          key = digest("FROM scratch");
          log.accept(" ---> ");
        } else {
          String id;
          try {
            id = images.resolve(base);
          } catch (NotFoundException e) {
            throw new NotFoundException("FROM " + base + ": image " + base + " not found", e);
          }
          ImageRecord image = images.image(id);
          config = JsonCodec.object(image.configBytes(), "image " + base + " config");
          for (String c : image.layers()) {
            built.add(new LayerStore.Result(layers.get(c), true));
          }
          chain = image.layers().isEmpty() ? null : image.layers().get(image.layers().size() - 1);
          key = digest("FROM " + id);
          log.accept(" ---> " + id.substring(7, 19));
        }
        continue;
      }
      boolean makesLayer = in.keyword().equals("COPY") || in.keyword().equals("ADD");
      Copy copy = makesLayer ? new Copy(in, ctx, workdir(config)) : null;
      key = digest(key + "\n" + in.text() + "\n" + (copy == null ? "" : copy.inputs()));
      String cacheRoot = CacheRecord.PREFIX + key.hex();
      Root cached = chunks.root(cacheRoot);
      CacheRecord hit =
          cached == null ? null : JsonCodec.read(cached.payload(), CacheRecord.class, cacheRoot);
      if (hit != null && hit.chainId() != null && layers.find(hit.chainId()) == null) {
        hit = null;
      }
      if (hit != null) {
        log.accept(" ---> Using cache");
      }
      if (makesLayer) {
        LayerStore.Result r =
            hit != null
                ? new LayerStore.Result(layers.get(hit.chainId()), true)
                : layers.importTree(chain, copy::apply);
        chain = r.layer().chainId();
        built.add(r);
        ImageConfigs.addLayer(config, r.layer().diffId(), in.text(), false);
      } else {
        applyConfig(config, in);
        ImageConfigs.addLayer(config, null, in.text(), true);
      }
      if (hit == null) {
        images.commit(
            List.of(
                new RootChange.Put(
                    new Root(
                        cacheRoot,
                        0,
                        JsonCodec.bytes(new CacheRecord(chain)),
                        new RoaringBitmap()))));
      }
      log.accept(" ---> " + key.hex().substring(0, 12));
    }
    ImportResult result = images.record(JsonCodec.bytes(config), built, tags);
    String id = result.images().get(0).id();
    log.accept("Successfully built " + id.substring(7, 19));
    for (ImageRef t : tags) {
      log.accept("Successfully tagged " + t);
    }
    return result;
  }

  private static String workdir(ObjectNode config) {
    String w = config.path("config").path("WorkingDir").asText("");
    return w.isEmpty() ? "/" : w;
  }

  private static void applyConfig(ObjectNode config, Instruction in) {
    ObjectNode c = config.withObject("config");
    switch (in.keyword()) {
      case "ENV" -> {
        for (String[] kv : pairs(in)) {
          ArrayNode env = c.withArray("Env");
          for (int i = env.size() - 1; i >= 0; i--) {
            if (env.get(i).asText().startsWith(kv[0] + "=")) {
              env.remove(i);
            }
          }
          env.add(kv[0] + "=" + kv[1]);
        }
      }
      case "LABEL" -> {
        for (String[] kv : pairs(in)) {
          c.withObject("Labels").put(kv[0], kv[1]);
        }
      }
      case "WORKDIR" -> c.put("WorkingDir", resolve(workdir(config), in.args()));
      case "USER" -> c.put("User", in.args());
      case "CMD", "ENTRYPOINT" -> {
        ArrayNode a = c.putArray(in.keyword().equals("CMD") ? "Cmd" : "Entrypoint");
        (in.json() != null ? in.json() : List.of("/bin/sh", "-c", in.args())).forEach(a::add);
      }
      default -> throw new IllegalStateException("not a config instruction: " + in.keyword());
    }
  }

  /** {@code K=V K2=V2}, or the legacy {@code K V...}. */
  private static List<String[]> pairs(Instruction in) {
    List<String> words = Dockerfile.words(in.args());
    List<String[]> out = new ArrayList<>();
    if (!words.get(0).contains("=")) {
      String rest = in.args().substring(in.args().indexOf(words.get(0)) + words.get(0).length());
      out.add(new String[] {words.get(0), rest.strip()});
      return out;
    }
    for (String w : words) {
      int eq = w.indexOf('=');
      if (eq <= 0) {
        throw new InvalidArgumentException(
            "Dockerfile line " + in.line() + ": " + in.keyword() + " expects KEY=VALUE, got " + w);
      }
      out.add(new String[] {w.substring(0, eq), w.substring(eq + 1)});
    }
    return out;
  }

  static String resolve(String dir, String path) {
    String p = path.startsWith("/") ? path : EntryPath.join(dir, path);
    return EntryPath.of(p.substring(1), "/");
  }

  private static Digest digest(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return Digest.sha256(b, 0, b.length);
  }

  /** One COPY or ADD: its sources in the context, its destination and owner. */
  private static final class Copy {
    private final Instruction in;
    private final FileSystemView ctx;
    private final List<String> sources = new ArrayList<>();
    private final String dest;
    private final boolean destIsDir;
    private final boolean add;
    private int uid;
    private int gid;
    private int chmod = -1;

    Copy(Instruction in, FileSystemView ctx, String workdir) throws IOException {
      this.in = in;
      this.ctx = ctx;
      this.add = in.keyword().equals("ADD");
      List<String> args =
          new ArrayList<>(in.json() != null ? in.json() : Dockerfile.words(in.args()));
      while (!args.isEmpty() && args.get(0).startsWith("--")) {
        flag(args.remove(0));
      }
      if (args.size() < 2) {
        throw refuse("needs at least one source and a destination");
      }
      String d = args.remove(args.size() - 1);
      for (String src : args) {
        if (src.contains("://")) {
          throw refuse("remote sources (" + src + ") are not supported");
        }
        sources.addAll(match(src));
      }
      this.dest = resolve(workdir, d);
      this.destIsDir = d.endsWith("/") || sources.size() > 1;
    }

    private void flag(String f) {
      if (f.startsWith("--chown=")) {
        String[] ug = f.substring(8).split(":");
        uid = number(ug[0], f);
        gid = ug.length > 1 ? number(ug[1], f) : uid;
      } else if (f.startsWith("--chmod=")) {
        chmod = parseMode(f.substring(8), f);
      } else {
        throw refuse("flag " + f + " is not supported");
      }
    }

    private int number(String s, String flag) {
      if (s.equals("root")) {
        return 0;
      }
      try {
        return Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw refuse("flag " + flag + ": only numeric ids (or root) are supported");
      }
    }

    private int parseMode(String s, String flag) {
      try {
        return Integer.parseInt(s, 8) & 07777;
      } catch (NumberFormatException e) {
        throw refuse("flag " + flag + ": expected an octal mode");
      }
    }

    private List<String> match(String src) throws IOException {
      String path = resolve("/", src);
      String name = EntryPath.name(path);
      if (!name.contains("*") && !name.contains("?")) {
        if (!ctx.exists(path)) {
          throw new NotFoundException(
              "Dockerfile line " + in.line() + ": " + src + " not found in the build context");
        }
        return List.of(path);
      }
      Pattern p = Pattern.compile(name.replace(".", "\\.").replace("*", "[^/]*").replace("?", "."));
      List<String> out = new ArrayList<>();
      String dir = EntryPath.parent(path);
      if (ctx.exists(dir)) {
        for (DirEntry e : ctx.list(dir)) {
          if (p.matcher(e.name()).matches()) {
            out.add(EntryPath.join(dir, e.name()));
          }
        }
      }
      if (out.isEmpty()) {
        throw new NotFoundException(
            "Dockerfile line " + in.line() + ": no file in the build context matches " + src);
      }
      return out;
    }

    /** The digest of everything the step reads, for its cache key. */
    String inputs() throws IOException {
      MessageDigest sha = Digest.newSha256();
      sha.update((uid + ":" + gid + ":" + chmod + "\n").getBytes(StandardCharsets.UTF_8));
      for (String s : sources) {
        hash(s, sha);
      }
      return Digest.of(sha.digest()).hex();
    }

    private void hash(String p, MessageDigest sha) throws IOException {
      FileStat st = ctx.stat(p);
      sha.update(
          (p + "\0" + st.mode() + "\0" + st.size() + "\0" + st.linkTarget() + "\0")
              .getBytes(StandardCharsets.UTF_8));
      sha.update(ByteBuffer.allocate(8).putLong(st.mtimeNanos()).array());
      if (st.isRegular()) {
        byte[] buf = new byte[64 << 10];
        try (InputStream f = ctx.open(p)) {
          int n;
          while ((n = f.read(buf)) > 0) {
            sha.update(buf, 0, n);
          }
        }
      } else if (st.isDirectory()) {
        for (DirEntry e : ctx.list(p)) {
          hash(EntryPath.join(p, e.name()), sha);
        }
      }
    }

    void apply(FileSystemView fs) throws IOException {
      boolean intoDir = destIsDir || (fs.exists(dest) && fs.stat(dest).isDirectory());
      for (String s : sources) {
        FileStat st = ctx.stat(s);
        if (st.isDirectory()) {
          copyTree(s, dest, fs);
        } else if (add && st.isRegular() && isTar(s)) {
          fs.mkdirs(dest, 0755);
          try (InputStream t = ctx.open(s)) {
            LayerStore.extract(fs, t, dest, "ADD " + s);
          }
        } else {
          copyOne(s, intoDir ? EntryPath.join(dest, EntryPath.name(s)) : dest, st, fs);
        }
      }
    }

    private void copyTree(String from, String to, FileSystemView fs) throws IOException {
      FileStat st = ctx.stat(from);
      if (!fs.exists(to)) {
        fs.mkdirs(EntryPath.parent(to), 0755);
        fs.mkdir(to, chmod >= 0 ? chmod : st.permissions());
        fs.chown(to, uid, gid);
      }
      for (DirEntry e : ctx.list(from)) {
        String s = EntryPath.join(from, e.name());
        String t = EntryPath.join(to, e.name());
        if (e.stat().isDirectory()) {
          copyTree(s, t, fs);
        } else {
          copyOne(s, t, e.stat(), fs);
        }
      }
      fs.setTimes(to, st.mtimeNanos(), st.mtimeNanos());
    }

    private void copyOne(String from, String to, FileStat st, FileSystemView fs)
        throws IOException {
      fs.mkdirs(EntryPath.parent(to), 0755);
      if (fs.exists(to)) {
        if (fs.stat(to).isDirectory()) {
          throw refuse("cannot replace directory " + to + " with file " + from);
        }
        fs.remove(to, false);
      }
      if (st.isSymlink()) {
        fs.symlink(st.linkTarget(), to);
        fs.chown(to, uid, gid);
      } else if (st.isFifo() || st.isCharDevice() || st.isBlockDevice()) {
        // as Docker's COPY: the node itself, with its type and device number
        int type = st.mode() & FileStat.S_IFMT;
        fs.mknod(to, type | (chmod >= 0 ? chmod : st.permissions()), st.rdev());
        fs.chown(to, uid, gid);
        fs.setTimes(to, st.mtimeNanos(), st.mtimeNanos());
      } else {
        try (InputStream f = ctx.open(from)) {
          fs.writeFile(to, f, chmod >= 0 ? chmod : st.permissions(), uid, gid, st.mtimeNanos());
        }
      }
    }

    private boolean isTar(String p) throws IOException {
      try (InputStream raw = new BufferedInputStream(ctx.open(p))) {
        if (LayerCompression.detect(raw) != LayerCompression.NONE) {
          return true;
        }
        byte[] head = raw.readNBytes(512);
        return head.length == 512
            && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
      }
    }

    private InvalidArgumentException refuse(String why) {
      return new InvalidArgumentException(
          "Dockerfile line " + in.line() + ": " + in.keyword() + " " + why);
    }
  }
}
