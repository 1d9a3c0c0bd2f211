package io.strata.store.image.build;

import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.DirEntry;
import io.strata.store.fs.FileStat;
import io.strata.store.fs.FileSystemView;
import io.strata.store.image.layer.EntryPath;
import io.strata.store.image.layer.LayerCompression;
import io.strata.store.image.layer.LayerStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One COPY or ADD: its sources (in the build context, or with {@code COPY --from} in an earlier
 * stage's or an image's file system), its destination and the owner and mode it gives.
 */
final class CopyStep {
  /** Finds the file system {@code COPY --from=REF} reads. */
  interface Sources {
    Source find(String ref, Instruction in) throws IOException;
  }

  /**
   * A file system to copy from.
   *
   * @param fs the files
   * @param what how messages name it ({@code the build context}, {@code stage build})
   */
  record Source(FileSystemView fs, String what) {}

  private final Instruction in;
  private final List<String> sources = new ArrayList<>();
  private final String dest;
  private final boolean destIsDir;
  private final boolean add;
  private Source from;
  private String fromRef;
  private String chown;
  private int uid;
  private int gid;
  private int chmod = -1;

  /**
   * {@code accounts} resolves {@code --chown} names in the image being built; {@code workdir} is
   * where a relative destination lands.
   */
  CopyStep(Instruction in, Source context, Sources stages, ImageAccounts accounts, String workdir)
      throws IOException {
    this.in = in;
    this.from = context;
    this.add = in.keyword().equals("ADD");
    List<String> args =
        new ArrayList<>(in.json() != null ? in.json() : Dockerfile.words(in.args()));
    while (!args.isEmpty() && args.get(0).startsWith("--")) {
      flag(args.remove(0));
    }
    if (chown != null) {
      int[] ids = accounts.chown(chown);
      uid = ids[0];
      gid = ids[1];
    }
    if (fromRef != null) {
      from = stages.find(fromRef, in);
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
    this.dest = ImageBuilder.resolve(workdir, d);
    this.destIsDir = d.endsWith("/") || sources.size() > 1;
  }

  private void flag(String f) {
    if (f.startsWith("--chown=")) {
      chown = f.substring(8);
    } else if (f.startsWith("--chmod=")) {
      chmod = parseMode(f.substring(8), f);
    } else if (f.startsWith("--from=") && !add) {
      fromRef = f.substring(7);
      if (fromRef.isEmpty()) {
        throw refuse("flag --from needs a stage name, a stage number or an image");
      }
    } else {
      throw refuse("flag " + f + " is not supported");
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
    FileSystemView fs = from.fs();
    if (fromRef == null && ImageBuilder.climbsAbove(src)) {
      // docker's words: the context is all the build may read
      throw refuse(src + ": forbidden path outside the build context");
    }
    String path = ImageBuilder.resolve("/", src);
    String name = EntryPath.name(path);
    if (!name.contains("*") && !name.contains("?")) {
      if (!fs.exists(path)) {
        throw new NotFoundException(
            "Dockerfile line " + in.line() + ": " + src + " not found in " + from.what());
      }
      return List.of(path);
    }
    Pattern p = Pattern.compile(name.replace(".", "\\.").replace("*", "[^/]*").replace("?", "."));
    List<String> out = new ArrayList<>();
    String dir = EntryPath.parent(path);
    if (fs.exists(dir)) {
      for (DirEntry e : fs.list(dir)) {
        if (p.matcher(e.name()).matches()) {
          out.add(EntryPath.join(dir, e.name()));
        }
      }
    }
    if (out.isEmpty()) {
      throw new NotFoundException(
          "Dockerfile line " + in.line() + ": no file in " + from.what() + " matches " + src);
    }
    return out;
  }

  /**
   * The digest of everything the step reads, for its cache key: each file's path, type and mode,
   * size, link target and content, and the flags. Not mtimes, as Docker: a fresh checkout of the
   * same files hits the cache.
   */
  String inputs() throws IOException {
    MessageDigest sha = Digest.newSha256();
    sha.update((uid + ":" + gid + ":" + chmod + "\n").getBytes(StandardCharsets.UTF_8));
    for (String s : sources) {
      hash(s, sha);
    }
    return Digest.of(sha.digest()).hex();
  }

  private void hash(String p, MessageDigest sha) throws IOException {
    FileSystemView fs = from.fs();
    FileStat st = fs.stat(p);
    sha.update(
        (p + "\0" + st.mode() + "\0" + st.size() + "\0" + st.linkTarget() + "\0" + st.rdev() + "\0")
            .getBytes(StandardCharsets.UTF_8));
    // a file's extended attributes are part of what it copies (none: the key as before)
    for (String x : fs.listXattrs(p)) {
      sha.update(("xattr\0" + x + "\0").getBytes(StandardCharsets.UTF_8));
      byte[] v = fs.getXattr(p, x);
      sha.update((v.length + "\0").getBytes(StandardCharsets.UTF_8));
      sha.update(v);
    }
    if (st.isRegular()) {
      byte[] buf = new byte[64 << 10];
      try (InputStream f = fs.open(p)) {
        int n;
        while ((n = f.read(buf)) > 0) {
          sha.update(buf, 0, n);
        }
      }
    } else if (st.isDirectory()) {
      for (DirEntry e : fs.list(p)) {
        hash(EntryPath.join(p, e.name()), sha);
      }
    }
  }

  void apply(FileSystemView fs) throws IOException {
    boolean intoDir = destIsDir || (fs.exists(dest) && fs.stat(dest).isDirectory());
    for (String s : sources) {
      FileStat st = from.fs().stat(s);
      if (st.isDirectory()) {
        copyTree(s, dest, fs);
      } else if (add && st.isRegular() && isTar(s)) {
        fs.mkdirs(dest, 0755);
        try (InputStream t = from.fs().open(s)) {
          LayerStore.extract(fs, t, dest, "ADD " + s);
        }
      } else {
        copyOne(s, intoDir ? EntryPath.join(dest, EntryPath.name(s)) : dest, st, fs);
      }
    }
  }

  private void copyTree(String src, String to, FileSystemView fs) throws IOException {
    FileStat st = from.fs().stat(src);
    if (!fs.exists(to)) {
      fs.mkdirs(EntryPath.parent(to), 0755);
      fs.mkdir(to, chmod >= 0 ? chmod : st.permissions());
      copyXattrs(src, to, fs);
      fs.chown(to, uid, gid);
    }
    for (DirEntry e : from.fs().list(src)) {
      String s = EntryPath.join(src, e.name());
      String t = EntryPath.join(to, e.name());
      if (e.stat().isDirectory()) {
        copyTree(s, t, fs);
      } else {
        copyOne(s, t, e.stat(), fs);
      }
    }
    fs.setTimes(to, st.mtimeNanos(), st.mtimeNanos());
  }

  private void copyOne(String src, String to, FileStat st, FileSystemView fs) throws IOException {
    fs.mkdirs(EntryPath.parent(to), 0755);
    if (fs.exists(to)) {
      if (fs.stat(to).isDirectory()) {
        throw refuse("cannot replace directory " + to + " with file " + src);
      }
      fs.remove(to, false);
    }
    if (st.isSymlink()) {
      fs.symlink(st.linkTarget(), to);
      copyXattrs(src, to, fs);
      fs.chown(to, uid, gid);
    } else if (st.isFifo() || st.isCharDevice() || st.isBlockDevice()) {
      // as Docker's COPY: the node itself, with its type and device number
      int type = st.mode() & FileStat.S_IFMT;
      fs.mknod(to, type | (chmod >= 0 ? chmod : st.permissions()), st.rdev());
      copyXattrs(src, to, fs);
      fs.chown(to, uid, gid);
      fs.setTimes(to, st.mtimeNanos(), st.mtimeNanos());
    } else {
      try (InputStream f = from.fs().open(src)) {
        fs.writeFile(to, f, chmod >= 0 ? chmod : st.permissions(), uid, gid, st.mtimeNanos());
      }
      copyXattrs(src, to, fs);
    }
  }

  /**
   * Gives {@code to} the extended attributes context file {@code src} has, byte for byte (file
   * capabilities, {@code user.*}, ...), as Docker's COPY keeps a context file's {@code
   * security.capability}.
   */
  private void copyXattrs(String src, String to, FileSystemView fs) throws IOException {
    for (String x : from.fs().listXattrs(src)) {
      fs.setXattr(to, x, from.fs().getXattr(src, x));
    }
  }

  private boolean isTar(String p) throws IOException {
    try (InputStream raw = new BufferedInputStream(from.fs().open(p))) {
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
