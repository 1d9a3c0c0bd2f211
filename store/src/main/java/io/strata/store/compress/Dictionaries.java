package io.strata.store.compress;

import static java.nio.charset.StandardCharsets.US_ASCII;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import com.github.luben.zstd.ZstdException;
import io.strata.store.disk.AtomicFiles;
import io.strata.store.error.CorruptDataException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A store's zstd dictionaries ({@code chunks/dicts/}): immutable, numbered, each trained on a
 * sample of the first chunks the store stored. New zstd chunks are compressed with the newest one
 * ({@link #current}); a record names the dictionary it needs, which is read from its file once and
 * kept. Chunks stored before a store has a dictionary, and stores that never hold enough data to
 * train one, keep plain zstd frames.
 *
 * <p>Durability: a dictionary's file is written, fsynced and renamed into place (and the directory
 * fsynced) before it becomes {@link #current}, so it is durable before any record that uses it is
 * even appended. gc never deletes a dictionary: they are small (at most {@link #DICT_BYTES}) and
 * one is trained per store (per node of a shared store).
 */
public final class Dictionaries implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Dictionaries.class.getName());

  /**
   * Bytes of new chunks sampled before the dictionary is trained; less in a small heap (a sixteenth
   * of it), since the sample is held in the heap until the training ends.
   */
  public static final int SAMPLE_BYTES =
      (int) Math.min(4 << 20, Runtime.getRuntime().maxMemory() / 16);

  /**
   * Fewer chunks than this and zstd's trainer refuses ("nb of samples too low" below about a
   * dozen): a store cutting chunks of up to 1 MiB samples on, up to {@link #MAX_SAMPLE_BYTES}.
   */
  static final int MIN_SAMPLES = 32;

  /** The most a sample may hold, whatever the chunk sizes: four times {@link #SAMPLE_BYTES}. */
  static final long MAX_SAMPLE_BYTES = 4L * SAMPLE_BYTES;

  /** The dictionary's size: measured best of 64, 112 and 256 KiB on the Debian trees. */
  public static final int DICT_BYTES = 256 << 10;

  /** The directory under {@code chunks/}. */
  public static final String DIR = "dicts";

  /** The highest dictionary number this store handed out (decimal): numbers are never reused. */
  static final String LAST_FILE = "last";

  /** Where dictionaries come from and go to when the store shares a bucket. */
  public interface Remote {
    /** An id no other store sharing the bucket gives a dictionary. */
    int newId() throws IOException;

    /** Dictionary {@code id}'s file as another store wrote it; null if the bucket lacks it. */
    byte[] fetch(int id) throws IOException;
  }

  /** One dictionary, ready for both directions. */
  private static final class Dictionary {
    final int id;
    final byte[] bytes;
    final ZstdDictDecompress decoder;
    final Map<Integer, ZstdDictCompress> encoders = new ConcurrentHashMap<>();

    Dictionary(int id, byte[] bytes) {
      this.id = id;
      this.bytes = bytes;
      this.decoder = new ZstdDictDecompress(bytes);
    }

    ZstdDictCompress encoder(int level) {
      return encoders.computeIfAbsent(level, l -> new ZstdDictCompress(bytes, l));
    }
  }

  private final Path dir;
  private final Map<Integer, Dictionary> loaded = new ConcurrentHashMap<>();
  // Dictionary files that are there but do not read, by id: what fsck reports.
  private final Map<Integer, String> damaged = new ConcurrentHashMap<>();
  private volatile Dictionary current;
  private volatile Remote remote;
  // Written under this; read without it on every new chunk: false once training started.
  private volatile boolean sampling;
  private List<byte[]> samples = new ArrayList<>(); // guarded by this
  private long sampled; // guarded by this
  private boolean closed; // guarded by this

  private Dictionaries(Path dir) {
    this.dir = dir;
  }

  /**
   * Opens {@code chunksDir/dicts}, creating it, deleting what a crash left half-written and loading
   * every dictionary. A damaged file is remembered, not fatal: only the chunks that need it fail,
   * naming it. With {@code train}, a store without a dictionary samples its first new chunks and
   * trains one.
   */
  public static Dictionaries open(Path chunksDir, boolean train) throws IOException {
    Path dir = chunksDir.resolve(DIR);
    AtomicFiles.createPrivateDirectories(dir);
    Dictionaries d = new Dictionaries(dir);
    TreeMap<Integer, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        if (name.endsWith(".tmp")) {
          Files.deleteIfExists(p); // written before a crash, never renamed: nothing uses it
        } else if (DictionaryFile.idOf(name) > 0) {
          files.put(DictionaryFile.idOf(name), p);
        }
      }
    }
    for (Map.Entry<Integer, Path> e : files.entrySet()) {
      try {
        d.load(e.getKey(), readBounded(e.getValue(), d.where(e.getKey())));
      } catch (CorruptDataException ex) {
        d.damaged.put(e.getKey(), ex.getMessage());
        LOG.log(System.Logger.Level.WARNING, ex.getMessage());
      }
    }
    if (!files.isEmpty()) {
      d.current = d.loaded.get(files.lastKey()); // null if the newest is damaged: plain zstd then
    }
    d.sampling = train && files.isEmpty();
    return d;
  }

  /** Reads dictionaries this disk lacks from the bucket, and takes new ids there. */
  public void attach(Remote r) {
    this.remote = r;
  }

  private Dictionary load(int id, byte[] file) {
    Dictionary dict = new Dictionary(id, DictionaryFile.decode(file, id, where(id)));
    loaded.put(id, dict);
    damaged.remove(id);
    return dict;
  }

  /** The file at {@code p}, refused unread if it is larger than any dictionary file can be. */
  private static byte[] readBounded(Path p, String where) throws IOException {
    long size = Files.size(p);
    if (size > DictionaryFile.MAX_LENGTH + 64) {
      throw new CorruptDataException(
          where + ": " + size + " bytes, more than a dictionary file holds", where);
    }
    return Files.readAllBytes(p);
  }

  /** The path of dictionary {@code id}'s file, as messages name it. */
  public Path path(int id) {
    return dir.resolve(DictionaryFile.fileName(id));
  }

  private String where(int id) {
    return "dictionary " + path(id);
  }

  /** The id new zstd chunks are compressed with, or 0 while the store has no dictionary. */
  public int currentId() {
    Dictionary c = current;
    return c == null ? 0 : c.id;
  }

  /** The encoder of the current dictionary at {@code level}, or null if there is none. */
  ZstdDictCompress currentEncoder(int level) {
    Dictionary c = current;
    return c == null ? null : c.encoder(level);
  }

  /**
   * The decoder of dictionary {@code id}, fetched from the bucket if this disk lacks it. Throws
   * {@link CorruptDataException} naming the file if it is damaged or missing.
   */
  ZstdDictDecompress decoder(int id) {
    Dictionary d = loaded.get(id);
    if (d != null) {
      return d.decoder;
    }
    return fetch(id).decoder;
  }

  private synchronized Dictionary fetch(int id) {
    Dictionary d = loaded.get(id);
    if (d != null) {
      return d;
    }
    String problem = damaged.get(id);
    if (problem != null) {
      throw new CorruptDataException(problem, path(id).toString());
    }
    Path p = path(id);
    if (Files.exists(p)) {
      try {
        return load(id, readBounded(p, where(id)));
      } catch (IOException e) {
        throw new CorruptDataException(where(id) + ": unreadable: " + e.getMessage(), p.toString());
      } catch (CorruptDataException e) {
        damaged.put(id, e.getMessage());
        throw e;
      }
    }
    Remote r = remote;
    if (r != null) {
      try {
        byte[] file = r.fetch(id);
        if (file != null) {
          Dictionary fetched = load(id, file);
          keepCopy(id, file);
          return fetched;
        }
      } catch (IOException e) {
        throw new CorruptDataException(
            where(id) + ": missing here, and the bucket did not give it: " + e.getMessage(),
            p.toString());
      }
    }
    throw new CorruptDataException(where(id) + " is missing", p.toString());
  }

  /** Every dictionary file that does not read, by id, with what is wrong. */
  public Map<Integer, String> damaged() {
    return Map.copyOf(damaged);
  }

  /** Whether dictionary {@code id} is on this disk and reads. */
  public boolean intact(int id) {
    try {
      decoder(id);
      return true;
    } catch (CorruptDataException e) {
      return false;
    }
  }

  /** The ids of the dictionaries on this disk that read, in order. */
  public java.util.SortedSet<Integer> ids() {
    return new java.util.TreeSet<>(loaded.keySet());
  }

  /** The file of dictionary {@code id} as it is on disk, to publish it. */
  public byte[] file(int id) throws IOException {
    return Files.readAllBytes(path(id));
  }

  /**
   * Offers a new chunk to the sample while the store has no dictionary; the chunk that fills the
   * sample trains the dictionary on the calling thread and installs it. Costs a copy of the chunk
   * for the first {@link #SAMPLE_BYTES} bytes of a store's life, then one training (a quarter of a
   * second of CPU for 4 MiB), nothing after.
   *
   * <p>Trained here rather than on a background thread: a training that lags behind the writes
   * (measured: under load, most of a 200 MB import went by before it ended) leaves the store's
   * first data without the dictionary, and what a store holds would depend on the machine's load.
   * The other writers go on meanwhile, without the dictionary.
   */
  public void offer(byte[] b, int off, int len) {
    if (!sampling) {
      return;
    }
    byte[][] full;
    synchronized (this) {
      if (!sampling || closed) {
        return;
      }
      samples.add(slice(b, off, len));
      sampled += len;
      if (sampled < SAMPLE_BYTES || (samples.size() < MIN_SAMPLES && sampled < MAX_SAMPLE_BYTES)) {
        return;
      }
      full = samples.toArray(new byte[0][]);
      samples = null;
      sampling = false;
    }
    trainAndInstall(full);
  }

  private static byte[] slice(byte[] b, int off, int len) {
    byte[] s = new byte[len];
    System.arraycopy(b, off, s, 0, len);
    return s;
  }

  private void trainAndInstall(byte[][] sample) {
    byte[] dict;
    try {
      dict = train(sample);
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "chunk store {0}: no dictionary trained ({1}); new chunks stay plain zstd",
          dir.getParent(),
          e.getMessage());
      return;
    }
    try {
      install(dict);
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "chunk store {0}: the trained dictionary could not be stored ({1}); new chunks stay plain"
              + " zstd",
          dir.getParent(),
          e.getMessage());
    }
  }

  /** A dictionary of at most {@link #DICT_BYTES} trained on {@code sample} by zstd's trainer. */
  public static byte[] train(byte[][] sample) {
    byte[] dict = new byte[DICT_BYTES];
    long n = Zstd.trainFromBuffer(sample, dict, false);
    if (Zstd.isError(n)) {
      throw new ZstdException(n);
    }
    return java.util.Arrays.copyOf(dict, (int) n);
  }

  /**
   * Stores {@code dict} as a new dictionary and makes it current once its file is durable; returns
   * its id.
   */
  public synchronized int install(byte[] dict) throws IOException {
    if (closed) {
      throw new IOException("chunk store " + dir.getParent() + " is closed");
    }
    Remote r = remote;
    int id;
    if (r != null) {
      do {
        id = r.newId();
      } while (Files.exists(path(id)) || loaded.containsKey(id));
    } else {
      id = Math.max(lastId(), highestFile()) + 1;
    }
    // The number is spent before the file exists: a dictionary deleted by hand does not give its
    // number to the next one, whose frames the records naming the old one would then meet.
    AtomicFiles.write(dir.resolve(LAST_FILE), Integer.toString(id).getBytes(US_ASCII));
    byte[] file = DictionaryFile.encode(id, dict);
    Dictionary d = new Dictionary(id, dict);
    writeDurably(id, file);
    loaded.put(id, d);
    current = d;
    LOG.log(
        System.Logger.Level.INFO,
        "chunk store {0}: dictionary {1} ({2} bytes) trained; new chunks use it",
        dir.getParent(),
        DictionaryFile.fileName(id),
        dict.length);
    return id;
  }

  /** The highest id {@link #LAST_FILE} says was handed out; 0 if it is missing or unreadable. */
  private int lastId() {
    try {
      return Integer.parseInt(new String(Files.readAllBytes(dir.resolve(LAST_FILE)), US_ASCII));
    } catch (IOException | NumberFormatException e) {
      return 0; // derived data: the files' highest number is the fallback
    }
  }

  private int highestFile() throws IOException {
    int max = 0;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        max = Math.max(max, DictionaryFile.idOf(p.getFileName().toString()));
      }
    }
    return max;
  }

  /** Keeps another node's dictionary on this disk, so that reads no longer need the bucket. */
  private void keepCopy(int id, byte[] file) {
    try {
      writeDurably(id, file);
    } catch (IOException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "{0}: not kept on this disk ({1}); read from the bucket again next time",
          where(id),
          e.getMessage());
    }
  }

  private void writeDurably(int id, byte[] file) throws IOException {
    // Never replaces a file: ids are not reused, and a dictionary never changes once written.
    if (Files.exists(path(id))) {
      throw new IOException(where(id) + " exists already");
    }
    AtomicFiles.write(path(id), file);
  }

  /** Stops sampling; a training in progress then does not install its dictionary. */
  @Override
  public synchronized void close() {
    closed = true;
    samples = null;
    sampling = false;
  }
}
