package io.strata.store.faultfs;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An in-memory file system that can lose power and fail calls, for crash-consistency tests of code
 * that reaches files only through the {@link Path}s it is given.
 *
 * <p>In memory rather than a wrapper over a real directory: a power cut must bring back exactly
 * what was fsynced, and a wrapper would have to copy every file at every fsync and rebuild the
 * directory tree after a cut, while an inode that keeps its durable content next to its current one
 * makes the cut a walk over the tree. It is also fast and deterministic, and a path that escapes it
 * (through {@code Path.of} or {@code toFile()}) fails instead of touching the real disk: paths here
 * look like absolute Unix paths but exist only in memory, and {@code toFile()} throws.
 *
 * <p>What survives a cut is set by the {@link CrashModel}. Every call that changes or syncs the
 * disk is numbered from 1 ({@link Op#call}); {@link #cutPowerAt} and the fault rules use those
 * numbers, and {@link #trace} lists them, so a failure reduces to a seed and a call number.
 *
 * <p>Simplifications, each on the safe side for the store under test: unlinked files give their
 * space back at once even while open; creates, renames and mkdirs never run out of space; there are
 * no hard or symbolic links, permissions or times; {@code force(false)} and {@code force(true)} are
 * the same.
 */
public final class FaultFileSystem extends FileSystem {
  private static final AtomicInteger IDS = new AtomicInteger();

  private final String id;
  private final SimulatedDisk disk;
  private final FaultProvider provider;

  private FaultFileSystem(CrashModel model, long seed) {
    this.id = "faultfs-" + IDS.incrementAndGet();
    this.disk = new SimulatedDisk(model, seed);
    this.provider = new FaultProvider(this, disk);
  }

  /**
   * An empty file system; {@code seed} drives the torn writes of {@link CrashModel#JOURNALED_TORN}.
   */
  public static FaultFileSystem create(CrashModel model, long seed) {
    return new FaultFileSystem(model, seed);
  }

  /** A name unique in this JVM, also the first directory of {@link #root}. */
  public String id() {
    return id;
  }

  /**
   * A directory for a test: {@code /<id>} (a path no real disk has, so an escape fails), created
   * and durable.
   */
  public Path root() throws IOException {
    Path p = getPath("/" + id);
    Files.createDirectories(p);
    syncAll();
    return p;
  }

  // ---- power ----

  /**
   * Cuts the power at mutating call {@code call} (counted since the last {@link #resetCounters}):
   * that call and every call after it fail with EIO until {@link #crash}.
   */
  public void cutPowerAt(long call) {
    disk.cutPowerAt(call);
  }

  /** Cuts the power now: every call fails with EIO until {@link #crash}. */
  public void cutPower() {
    disk.cutPowerNow();
  }

  /** Whether the power is off. */
  public boolean powerOff() {
    return disk.powerOff();
  }

  /**
   * Power loss and reboot: the disk goes back to what was durable (see {@link CrashModel}). Call it
   * once nothing uses the file system any more; channels opened before fail afterwards. Clears the
   * fault rules and a pending cut, but not the counters or the space budget.
   */
  public void crash() {
    disk.crash();
  }

  /** Makes everything durable, as sync(1) does. */
  public void syncAll() {
    disk.syncAll();
  }

  // ---- faults ----

  /** Fails every call {@code when} matches with {@code error}, until {@link #clearFaults}. */
  public void failWhen(Predicate<Op> when, IoError error) {
    disk.addRule(new SimulatedDisk.Rule(when, error, false, -1));
  }

  /** Fails the first call {@code when} matches with {@code error}, once. */
  public void failOnce(Predicate<Op> when, IoError error) {
    disk.addRule(new SimulatedDisk.Rule(when, error, true, -1));
  }

  /**
   * Throws {@code error}'s Error from the first call {@code when} matches, once: what a call meets
   * when the JVM is out of (direct) memory.
   */
  public void throwOnce(Predicate<Op> when, Supplier<? extends Error> error) {
    disk.addRule(new SimulatedDisk.Rule(when, null, true, -1, error));
  }

  /**
   * Fails the {@code n}th call of {@code kind} (counted since the last reset) with {@code error}.
   */
  public void failNth(OpKind kind, long n, IoError error) {
    failOnce(op -> op.kind() == kind && op.kindCall() == n, error);
  }

  /** Fails mutating call {@code call} (counted since the last reset) with {@code error}. */
  public void failCall(long call, IoError error) {
    failOnce(op -> op.call() == call, error);
  }

  /**
   * Cuts the first write {@code when} matches short: it writes only {@code bytes} bytes (and says
   * so), and the next write to that file fails with {@code error}, as a disk that fills in the
   * middle of a buffer does.
   */
  public void shortWriteOnce(Predicate<Op> when, int bytes, IoError error) {
    if (bytes < 1) {
      throw new IllegalArgumentException("a short write keeps at least 1 byte, not " + bytes);
    }
    disk.addRule(new SimulatedDisk.Rule(when, error, true, bytes));
  }

  /** Removes every fault rule. */
  public void clearFaults() {
    disk.clearRules();
  }

  // ---- space ----

  /**
   * Lets files hold at most {@code bytes} in all: a write past it writes what fits, then fails with
   * ENOSPC; deletes and truncations give space back. {@link Long#MAX_VALUE}: no limit.
   */
  public void diskBudget(long bytes) {
    disk.budget(bytes);
  }

  /** Bytes the files linked into the tree hold now. */
  public long usedBytes() {
    return disk.used();
  }

  // ---- counters ----

  /** Mutating calls since the last reset. */
  public long calls() {
    return disk.calls();
  }

  /** Calls of {@code kind} since the last reset. */
  public long calls(OpKind kind) {
    return disk.calls(kind);
  }

  /** The mutating calls since the last reset, in order (the first 200,000). */
  public List<Op> trace() {
    return disk.trace();
  }

  /** Starts numbering calls from 1 again. */
  public void resetCounters() {
    disk.resetCounters();
  }

  // ---- java.nio.file.FileSystem ----

  @Override
  public FaultProvider provider() {
    return provider;
  }

  @Override
  public void close() {
    // Nothing to release: the disk lives as long as the object.
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    return List.of(getPath("/"));
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    return List.of();
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return Set.of("basic");
  }

  @Override
  public Path getPath(String first, String... more) {
    return new FaultPath(this, FileSystems.getDefault().getPath(first, more));
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    PathMatcher m = FileSystems.getDefault().getPathMatcher(syntaxAndPattern);
    return p -> m.matches(FileSystems.getDefault().getPath(p.toString()));
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException("the fault file system has no users");
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException("the fault file system has no watch service");
  }
}
