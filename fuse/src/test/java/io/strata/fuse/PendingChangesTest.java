package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.Engine;
import io.strata.store.engine.ChunkStore;
import io.strata.store.fs.FileSystemView;
import io.strata.store.fs.HeldChangesLost;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-behind gives the view what it holds before a read that may see it (the file written,
 * through any of its names) and not before reads of other files, so that a file copied within a
 * mount reaches the view in whole pieces.
 */
@Timeout(60)
class PendingChangesTest {
  @TempDir Path dir;
  private Engine engine;
  private FileSystemView view;
  private PendingChanges pending;

  @BeforeEach
  void open() throws IOException {
    engine = Engine.open(dir.resolve("data"), "btrfs", ChunkStore.Options.defaults());
    engine.storage().prepare("c", null, Map.of());
    view = engine.storage().fs("c");
    view.write("/f", 0, new byte[0], 0, 0);
    view.write("/other", 0, new byte[] {1}, 0, 1);
    pending = new PendingChanges(view, "test", () -> Long.MAX_VALUE);
  }

  @AfterEach
  void close() throws IOException {
    engine.close();
  }

  @Test
  void aReadOfAnotherFileLeavesTheWritesHeld() throws IOException {
    pending.write("/f", 0, new byte[4096], 0, 4096);
    pending.settleBeforeReading("/other");
    assertThat(view.stat("/f").size()).as("the view before the held writes are given").isZero();

    pending.write("/f", 4096, new byte[4096], 0, 4096);
    pending.settleBeforeReading("/f");
    assertThat(view.stat("/f").size()).isEqualTo(8192);
  }

  @Test
  void aReadOfAnyFileSettlesWritesToAFileWithOtherNames() throws IOException {
    view.link("/f", "/g");
    pending.write("/f", 0, new byte[4096], 0, 4096);
    pending.settleBeforeReading("/g");
    assertThat(view.stat("/g").size()).isEqualTo(4096);
  }

  /**
   * As the disk fills, the writes held since the last sync may take a quarter of its free space:
   * then a write makes everything held durable (T4: a write that later met the full disk took the
   * changes held before it, a removal of another file among them, with it).
   */
  @Test
  void aWriteTakingAQuarterOfTheFreeSpaceMakesTheHeldChangesDurable() throws IOException {
    int[] syncs = {0};
    long[] free = {64L << 20};
    PendingChanges p = new PendingChanges(syncsCounted(syncs), "/mnt/x", () -> free[0]);
    p.run(() -> view.remove("/other", false));
    p.write("/f", 0, new byte[4096], 0, 4096);
    p.wrote(4096);
    assertThat(syncs[0]).as("held: 4 KiB of 64 MiB free").isZero();

    free[0] = 16 << 10;
    p.write("/f", 4096, new byte[4096], 0, 4096);
    p.wrote(4096);
    assertThat(syncs[0]).as("8 KiB held with 16 KiB free: made durable").isEqualTo(1);
    assertThat(view.exists("/other")).isFalse();
    assertThat(view.stat("/f").size()).isEqualTo(8192);

    free[0] = 0;
    p.write("/f", 8192, new byte[1], 0, 1);
    p.wrote(1);
    assertThat(syncs[0]).as("a full disk: every write on its own").isEqualTo(2);
  }

  /**
   * A background sync whose view dropped the held changes (its own report already says "were lost")
   * is reported by the next sync in one sentence naming the mount, the cause once; a second sync
   * reports nothing.
   */
  @Test
  void aLostBackgroundSyncIsReportedOnceNamingTheMount() throws IOException {
    IOException full = new IOException("/data/packs: No space left on device");
    PendingChanges p =
        new PendingChanges(
            syncFailingOnce(new HeldChangesLost(full)), "/mnt/x", () -> Long.MAX_VALUE);
    p.write("/f", 0, new byte[4096], 0, 4096);
    p.syncInBackground();
    assertThatThrownBy(p::sync)
        .isInstanceOf(PendingChanges.LostChanges.class)
        .hasMessage(
            "mount /mnt/x: changes held since the last sync were lost:"
                + " /data/packs: No space left on device");
    p.sync();
  }

  /** The view's report of a loss at an fsync's own sync names the mount too, "lost" once. */
  @Test
  void aLossTheViewReportsAtSyncNamesTheMount() throws IOException {
    IOException full = new IOException("No space left on device");
    PendingChanges p =
        new PendingChanges(
            syncFailingOnce(new HeldChangesLost(full)), "/mnt/x", () -> Long.MAX_VALUE);
    p.write("/f", 0, new byte[4096], 0, 4096);
    assertThatThrownBy(p::sync)
        .hasMessage(
            "mount /mnt/x: changes held since the last sync were lost: No space left on device");
  }

  /** The engine's view, counting its {@link FileSystemView#sync}s in {@code syncs[0]}. */
  private FileSystemView syncsCounted(int[] syncs) {
    return (FileSystemView)
        Proxy.newProxyInstance(
            FileSystemView.class.getClassLoader(),
            new Class<?>[] {FileSystemView.class},
            (proxy, method, args) -> {
              if (method.getName().equals("sync")) {
                syncs[0]++;
              }
              try {
                return method.invoke(view, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** The engine's view, whose first {@link FileSystemView#sync} fails with {@code failure}. */
  private FileSystemView syncFailingOnce(IOException failure) {
    boolean[] failed = {false};
    return (FileSystemView)
        Proxy.newProxyInstance(
            FileSystemView.class.getClassLoader(),
            new Class<?>[] {FileSystemView.class},
            (proxy, method, args) -> {
              if (method.getName().equals("sync") && !failed[0]) {
                failed[0] = true;
                throw failure;
              }
              try {
                return method.invoke(view, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
