package io.strata.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.containerd.api.content.WriteAction;
import io.strata.containerd.api.content.WriteContentRequest;
import io.strata.containerd.api.snapshots.PrepareSnapshotRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What fsck calls the roots Strata keeps for containerd ({@link ContainerdRootNames}): a snapshot
 * by its key, a content blob by its digest, each with its namespace, as {@code ctr} lists them
 * (round 8, P7).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ContainerdRootNamesTest {
  @TempDir Path dir;

  @Test
  void snapshotsAndContentAreNamedAsCtrListsThem() throws Exception {
    try (ContainerdFixture f = new ContainerdFixture(dir, "btrfs")) {
      f.snapshots("default")
          .prepare(PrepareSnapshotRequest.newBuilder().setKey("app-rootfs").setParent("").build());
      byte[] data = "layer bytes\n".getBytes(StandardCharsets.UTF_8);
      String digest = "sha256:" + SnapshotsServiceTest.sha256(data);
      WriteStream w = new WriteStream(f.contentAsync("default"));
      w.send(
          WriteContentRequest.newBuilder()
              .setAction(WriteAction.COMMIT)
              .setRef("ref-1")
              .setTotal(data.length)
              .setExpected(digest)
              .setData(ByteString.copyFrom(data))
              .build());
      assertThat(w.end()).isNull();

      Map<String, List<String>> names = ContainerdRootNames.of(f.engine.chunks());
      assertThat(names.get("snap/ctrd/default/app-rootfs"))
          .containsExactly("containerd snapshot app-rootfs (namespace default)");
      assertThat(names.get(ContentRecord.PREFIX + "default/" + digest.substring(7)))
          .containsExactly("containerd content " + digest + " (namespace default)");
    }
  }
}
