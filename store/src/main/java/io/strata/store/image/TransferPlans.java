package io.strata.store.image;

import io.strata.store.blob.BlobService;
import io.strata.store.chunk.ChunkSplitter;
import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.RecipeInputStream;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.image.layer.ImageConfigs;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerBlob;
import io.strata.store.image.layer.LayerRecord;
import io.strata.store.image.layer.LayerStore;
import io.strata.store.image.layer.RegeneratedTar;
import io.strata.store.image.layer.TarSplitReader;
import io.strata.store.pack.RecordHeader;
import io.strata.store.transfer.ChunkPiece;
import io.strata.store.transfer.ChunkRecords;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Images as transfer plans: made from a stored image on the sending side, the chunks a plan names
 * served from this store, and on the receiving side the layers rebuilt from a plan whose chunks
 * have arrived. The image store holds the locks; this class holds the work.
 */
final class TransferPlans {
  private final ChunkStore chunks;
  private final LayerStore layers;
  private final BlobService blobs;

  // Where each piece of an image cut another way than this store cuts it lies (layer << 32 | file
  // record), for the transfers in progress: the last two images and cuts asked for.
  private final Map<String, Map<Digest, Long>> recutIndex =
      Collections.synchronizedMap(
          new LinkedHashMap<>(4, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Map<Digest, Long>> e) {
              return size() > 2;
            }
          });

  TransferPlans(ChunkStore chunks, LayerStore layers) {
    this.chunks = chunks;
    this.layers = layers;
    this.blobs = new BlobService(chunks);
  }

  /**
   * The plan of {@code image}, its files cut by {@code cut}, to be named {@code name}. A plan of
   * more than {@link TransferPlan#MAX_CHUNKS} chunks (some 55 GB of layers) is refused as it is
   * built.
   */
  TransferPlan plan(ImageRecord image, ContentCut cut, String name, Arrival a) throws IOException {
    List<TransferPlan.Layer> out = new ArrayList<>();
    Pieces pieces = new Pieces(image);
    for (String chainId : image.layers()) {
      LayerRecord layer = layers.get(chainId);
      List<ChunkPiece> splitPieces = new ArrayList<>();
      if (regeneratesFromTree(layer)) {
        // the receiver has no tree to regenerate headers from: it gets version 1's bytes, cut
        // its way like a file, and send() cuts them again for the pieces asked for
        try (InputStream v1 = layers.splitVersion1(layer)) {
          cut.cut(v1, pieces.into(splitPieces));
        }
      } else {
        Recipe split = layer.splitRecipe();
        for (int i = 0; i < split.count(); i++) {
          splitPieces.add(new ChunkPiece(chunks.digest(split.id(i)), split.length(i)));
        }
      }
      List<List<ChunkPiece>> files = new ArrayList<>();
      forEachFile(
          layer,
          (number, content) -> {
            List<ChunkPiece> file = new ArrayList<>();
            cut.cut(content, pieces.into(file));
            files.add(file);
          });
      out.add(
          new TransferPlan.Layer(Digest.parse(layer.diffId()), layer.size(), splitPieces, files));
    }
    TransferPlan.Arrived arrived = a == null ? null : arrived(a, image, cut, pieces);
    return new TransferPlan(cut.text(), byDigest(name, arrived), image.configBytes(), out, arrived);
  }

  /**
   * The name of a plan asked for by {@code name}: a {@code REPOSITORY@DIGEST} travels only as the
   * digest of the manifest the plan carries, which the receiver checks (a digest the sender was
   * pulled by, a multi-platform index's, is its own: the receiver cannot check it, so the plan
   * names the manifest's digest instead); any other name as it is.
   */
  private static String byDigest(String name, TransferPlan.Arrived arrived) {
    int at = name.indexOf('@');
    if (at < 0) {
      return name;
    }
    if (arrived == null) {
      return "";
    }
    byte[] m = arrived.manifest();
    return name.substring(0, at + 1) + Digest.sha256(m, 0, m.length);
  }

  /**
   * Arrival {@code a} of {@code image} as a plan carries it: each layer blob's form and recipe, and
   * the bytes of those kept whole as chunks cut the receiver's way. Null when its blobs are unknown
   * (a record of an early release), as an export then makes the layers anew too.
   */
  private TransferPlan.Arrived arrived(Arrival a, ImageRecord image, ContentCut cut, Pieces pieces)
      throws IOException {
    if (a.blobs() == null || a.blobs().size() != image.layers().size()) {
      return null;
    }
    List<TransferPlan.LayerBlob> out = new ArrayList<>();
    for (LayerBlob b : a.blobs()) {
      String recipe =
          switch (b.form()) {
            case LayerBlob.GZIP -> b.gzip();
            case LayerBlob.ZSTD -> b.zstd();
            default -> "";
          };
      List<ChunkPiece> whole = new ArrayList<>();
      if (LayerBlob.BLOB.equals(b.form())) {
        try (InputStream in = blobs.open(Digest.parse(b.digest()), 0, -1)) {
          cut.cut(in, pieces.into(whole));
        }
      }
      out.add(
          new TransferPlan.LayerBlob(b.digest(), b.mediaType(), b.size(), b.form(), recipe, whole));
    }
    return new TransferPlan.Arrived(a.manifestBytes(), a.manifestType(), out);
  }

  /** The pieces of one plan as they are cut: hashed, and counted against the plan's limit. */
  private static final class Pieces {
    private final ImageRecord image;
    private final MessageDigest sha = Digest.newSha256();
    private long count;

    Pieces(ImageRecord image) {
      this.image = image;
    }

    /** A sink adding each piece cut to {@code into}. */
    ChunkSplitter.Sink into(List<ChunkPiece> into) {
      return (b, off, len) -> {
        if (++count > TransferPlan.MAX_CHUNKS) {
          throw new InvalidArgumentException(
              "image "
                  + image.id()
                  + ": its plan would list more than "
                  + TransferPlan.MAX_CHUNKS
                  + " chunks");
        }
        into.add(new ChunkPiece(Digest.sha256(sha, b, off, len), len));
      };
    }
  }

  /**
   * Writes the chunks of {@code wanted} to {@code out}: those this store holds straight from it,
   * the rest (files cut another way than this store cuts them) by cutting {@code image}'s files
   * again with {@code cut}. Throws {@link NotFoundException} for a digest that is not part of the
   * image.
   */
  void send(ImageRecord image, ContentCut cut, Map<Digest, Integer> wanted, ChunkRecords.Writer out)
      throws IOException {
    Set<Digest> left = new HashSet<>();
    byte[] stored = new byte[ChunkCodec.maxEncodedLength(ChunkerParams.MAX_CHUNK)];
    for (Digest d : wanted.keySet()) {
      int id = chunks.readableIdOf(d);
      if (id >= 0) {
        // Sent as stored: no decoding here, no compressing again.
        RecordHeader h = chunks.readStored(id, stored);
        out.writeEncoded(d, h.codec(), stored, h.storedLen(), h.rawLen());
      } else {
        left.add(d);
      }
    }
    if (left.isEmpty()) {
      return;
    }
    // Files stored another way than the receiver cuts them: cut again. The first batch cuts every
    // file and notes where each piece is; later batches of the same transfer read only the files
    // that hold their pieces, so a transfer between a btrfs and a zfs host reads the image about
    // once, not once per batch.
    // The blobs kept whole are part of the key: an image that arrives again with another
    // manifest may keep other blobs, whose pieces notes made before do not have (V8).
    List<Digest> whole = wholeBlobs(image);
    String key = image.id() + " " + cut.text() + " " + whole;
    Map<Digest, Long> where = recutIndex.get(key);
    Set<Long> files = null;
    if (where != null) {
      files = new HashSet<>();
      for (Digest d : left) {
        Long f = where.get(d);
        if (f == null) {
          // not noted: cut the whole image again, noting anew, rather than refuse a piece
          files = null;
          where = null;
          break;
        }
        files.add(f);
      }
    }
    Map<Digest, Long> noted = where == null ? new HashMap<>() : null;
    MessageDigest sha = Digest.newSha256();
    List<String> chain = image.layers();
    // Noting where pieces lie takes the whole image; serving from the notes, only what is left.
    for (int l = 0; l < chain.size() && (noted != null || !left.isEmpty()); l++) {
      long layer = (long) l << 32;
      Set<Long> needed = files;
      LayerRecord record = layers.get(chain.get(l));
      if (regeneratesFromTree(record) && (needed == null || needed.contains(layer | SPLIT))) {
        try (InputStream v1 = layers.splitVersion1(record)) {
          cut.cut(v1, recut(sha, noted, left, out, layer | SPLIT));
        }
      }
      forEachFile(
          record,
          number -> needed == null || needed.contains(layer | number),
          (number, content) -> cut.cut(content, recut(sha, noted, left, out, layer | number)));
    }
    // layer blobs kept whole, each noted as a layer past the image's last
    for (int w = 0; w < whole.size() && (noted != null || !left.isEmpty()); w++) {
      long blob = ((long) (chain.size() + w) << 32) | SPLIT;
      if (files == null || files.contains(blob)) {
        try (InputStream in = blobs.open(whole.get(w), 0, -1)) {
          cut.cut(in, recut(sha, noted, left, out, blob));
        }
      }
    }
    if (noted != null && files == null) {
      recutIndex.put(key, noted);
    }
    if (!left.isEmpty()) {
      throw notPartOf(left.iterator().next(), image);
    }
  }

  /** The layer blobs the arrivals of {@code image} keep whole, in one order for every batch. */
  private static List<Digest> wholeBlobs(ImageRecord image) {
    return image.layerBlobs(LayerBlob.BLOB).stream().sorted().map(Digest::parse).toList();
  }

  /** Where a layer's split, cut again, is noted: past any file number (those are ints). */
  private static final long SPLIT = 0xFFFF_FFFFL;

  /** Takes pieces cut again: notes where each lies, writes those still wanted. */
  private static ChunkSplitter.Sink recut(
      MessageDigest sha,
      Map<Digest, Long> noted,
      Set<Digest> left,
      ChunkRecords.Writer out,
      long where) {
    return (b, off, len) -> {
      Digest d = Digest.sha256(sha, b, off, len);
      if (noted != null) {
        noted.putIfAbsent(d, where);
      }
      if (left.remove(d)) {
        write(out, d, b, off, len);
      }
    };
  }

  /**
   * Whether {@code layer}'s split is version 2, regenerated from its tree: it travels as version
   * 1's bytes. Versions 1 and 3 need no tree and travel as stored.
   */
  private boolean regeneratesFromTree(LayerRecord layer) throws IOException {
    try (TarSplitReader split = layers.splitReader(layer)) {
      return split.version() == 2;
    }
  }

  private static NotFoundException notPartOf(Digest d, ImageRecord image) {
    return new NotFoundException("chunk " + d + " is not part of image " + image.id());
  }

  private static void write(ChunkRecords.Writer out, Digest d, byte[] b, int off, int len) {
    try {
      out.write(d, b, off, len);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Refuses a plan whose layers are not the diff_ids its config lists, or whose name is not an
   * image name: before any chunk of it is asked for.
   */
  static void check(TransferPlan plan, String what) {
    List<String> diffIds =
        ImageConfigs.diffIds(JsonCodec.object(plan.config(), what + " config"), what);
    List<String> planned = plan.layers().stream().map(l -> l.diffId().toString()).toList();
    if (!diffIds.equals(planned)) {
      throw new InvalidArgumentException(
          what + ": the plan's layers are not the diff_ids its config lists");
    }
    int at = plan.name().indexOf('@');
    if (at > 0) {
      // sent by digest: the digest must be the manifest's, which the receiver has in hand
      ImageRef.digestReference(plan.name());
      byte[] m = plan.arrived() == null ? null : plan.arrived().manifest();
      if (m == null
          || !plan.name().substring(at + 1).equals(Digest.sha256(m, 0, m.length).toString())) {
        throw new InvalidArgumentException(
            what
                + ": named "
                + plan.name()
                + ", which is not the digest of the manifest it carries");
      }
    } else if (!plan.name().isEmpty()) {
      ImageRef.parse(plan.name());
    }
  }

  /**
   * The chunks of {@code plan} this store lacks, with their lengths, skipping layers it has; a plan
   * that fails {@link #check} is refused first. A chunk or layer held with known damage counts as
   * lacked: the sender's bytes mend it, where skipping it left the image damaged from the start
   * (docs/ADVERSARIAL.md, S3).
   */
  Map<Digest, Integer> missing(TransferPlan plan, String what) {
    check(plan, what);
    Map<Digest, Integer> out = new LinkedHashMap<>();
    String parent = null;
    for (TransferPlan.Layer l : plan.layers()) {
      String chainId = LayerStore.chain(parent, l.diffId());
      parent = chainId;
      if (layers.find(chainId) != null && !layers.damaged(chainId)) {
        continue;
      }
      l.split().forEach(p -> addIfMissing(out, p));
      l.files().forEach(f -> f.forEach(p -> addIfMissing(out, p)));
    }
    if (plan.arrived() != null) {
      for (TransferPlan.LayerBlob b : plan.arrived().blobs()) {
        if (!b.whole().isEmpty() && !heldIntact(b.digest())) {
          b.whole().forEach(p -> addIfMissing(out, p));
        }
      }
    }
    return out;
  }

  /** Whether this store holds blob {@code digest} whole, with no chunk of it known damaged. */
  private boolean heldIntact(String digest) {
    Digest d;
    try {
      d = Digest.parse(digest);
    } catch (RuntimeException e) {
      return false; // refused with its name when the image is made
    }
    try {
      blobs.size(d);
    } catch (NotFoundException e) {
      return false;
    }
    return !blobs.holdsDamaged(d);
  }

  private void addIfMissing(Map<Digest, Integer> out, ChunkPiece p) {
    if (!out.containsKey(p.digest())) {
      int id = chunks.idOf(p.digest());
      if (id < 0 || chunks.isDamaged(id)) {
        out.put(p.digest(), p.length());
      }
    }
  }

  /**
   * Imports each layer of {@code plan} this store lacks from the plan's chunks, which must all be
   * here, adding them to {@code out} as they are made (so that a caller can roll back those a
   * failure leaves), bottom first. Every rebuilt tar is checked against its diff_id.
   */
  void layers(TransferPlan plan, String what, List<LayerStore.Result> out) throws IOException {
    check(plan, what);
    String parent = null;
    for (TransferPlan.Layer l : plan.layers()) {
      String name = what + " layer " + l.diffId();
      List<List<ChunkPiece>> files = l.files();
      RegeneratedTar.Contents contents =
          (number, path, offset) -> {
            // the plan's pieces of a record are that record's bytes (a sparse range's only)
            if (number >= files.size()) {
              throw new CorruptDataException(
                  name + ": its tar-split names more files than the plan lists", name);
            }
            Recipe r = recipe(files.get(number), name);
            return new RecipeInputStream(chunks, r, 0, r.size(), name);
          };
      LayerStore.Result r;
      LayerRecord existing = layers.find(LayerStore.chain(parent, l.diffId()));
      if (existing != null && !layers.damaged(existing.chainId())) {
        r = new LayerStore.Result(existing, true);
      } else {
        Recipe split = recipe(l.split(), name);
        try (InputStream tar = new RegeneratedTar(chunks, split, l.diffId(), contents)) {
          r = layers.importTar(parent, tar, l.diffId(), null, name);
        }
      }
      out.add(r);
      parent = r.layer().chainId();
    }
  }

  private Recipe recipe(List<ChunkPiece> pieces, String what) {
    int[] ids = new int[pieces.size()];
    int[] lengths = new int[pieces.size()];
    for (int i = 0; i < ids.length; i++) {
      ChunkPiece p = pieces.get(i);
      ids[i] = chunks.idOf(p.digest());
      if (ids[i] < 0) {
        throw new NotFoundException(what + ": chunk " + p.digest() + " has not arrived");
      }
      lengths[i] = p.length();
    }
    return new Recipe(ids, lengths);
  }

  @FunctionalInterface
  private interface FileVisitor {
    void visit(int number, InputStream content) throws IOException;
  }

  @FunctionalInterface
  private interface FileFilter {
    boolean wanted(int number);
  }

  /** Calls {@code visitor} with each file record's content of {@code layer}, in order. */
  private void forEachFile(LayerRecord layer, FileVisitor visitor) throws IOException {
    forEachFile(layer, number -> true, visitor);
  }

  /** As above, for the file records {@code filter} wants only. */
  private void forEachFile(LayerRecord layer, FileFilter filter, FileVisitor visitor)
      throws IOException {
    RegeneratedTar.Contents contents = layers.contents(layer);
    try (TarSplitReader split = layers.splitReader(layer)) {
      TarSplitReader.Kind k;
      while ((k = split.next()) != TarSplitReader.Kind.END) {
        if (k == TarSplitReader.Kind.SEGMENT) {
          split.segmentBytes().skipNBytes(split.size());
        } else if (filter.wanted(split.fileNumber())) {
          try (InputStream in =
              org.apache.commons.io.input.BoundedInputStream.builder()
                  .setInputStream(contents.open(split.fileNumber(), split.path(), split.offset()))
                  .setMaxCount(split.size())
                  .get()) {
            visitor.visit(split.fileNumber(), in);
          }
        }
      }
    }
  }
}
