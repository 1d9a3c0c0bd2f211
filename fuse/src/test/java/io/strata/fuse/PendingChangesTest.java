package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.Engine;
import io.strata.store.engine.ChunkStore;
import io.strata.store.fs.FileSystemView;
import java.io.IOException;
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
    pending = new PendingChanges(view, "test");
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
}
