package io.strata.store.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.ConflictException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Volumes as directories of ordinary files, with their users' say over removal. */
class VolumeStoreTest {
  @TempDir Path dir;
  final Set<String> used = new HashSet<>();

  private VolumeStore open() throws IOException {
    return new VolumeStore(
        dir.resolve("volumes"),
        () ->
            used.stream()
                .collect(Collectors.toMap(n -> n, n -> List.of("container web (3f2a9c1e0b7d)"))),
        new SplittableRandom(1));
  }

  @Test
  void createListInspectRemovePrune() throws IOException {
    VolumeStore v = open();
    VolumeInfo a = v.create("alpha");
    assertThat(a.mountpoint()).isEqualTo(dir.resolve("volumes/alpha/_data").toString());
    Files.writeString(Path.of(a.mountpoint()).resolve("f"), "12345");
    assertThat(v.create("alpha").size()).isEqualTo(5);
    String anon = v.createAnonymous().name();
    assertThat(anon).matches("[0-9a-f]{64}");
    assertThat(v.list()).extracting(VolumeInfo::name).containsExactlyInAnyOrder("alpha", anon);

    used.add("alpha");
    assertThat(v.inspect("alpha").inUse()).isTrue();
    assertThatThrownBy(() -> v.remove("alpha"))
        .isInstanceOf(ConflictException.class)
        .as("the refusal names the container, as docker lists its id")
        .hasMessage("volume alpha is in use by container web (3f2a9c1e0b7d); remove it first");
    assertThat(v.diskUsage()).isEqualTo(new VolumeDiskUsage(2, 1, 5, 0));
    v.create("beta");
    assertThat(v.prune(false))
        .as("named volumes stay without all")
        .extracting(VolumeInfo::name)
        .containsExactly(anon);
    assertThat(v.prune(true)).extracting(VolumeInfo::name).containsExactly("beta");
    used.clear();
    v.remove("alpha");
    assertThat(v.list()).isEmpty();
    assertThatThrownBy(() -> v.inspect("alpha")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> v.create("../x")).isInstanceOf(InvalidArgumentException.class);
  }

  /** A file of several names counts once, as Docker sizes a volume (AG5: once per name). */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aHardLinkedFileCountsOnce() throws IOException {
    VolumeStore v = open();
    Path data = Path.of(v.create("linked").mountpoint());
    Files.write(data.resolve("x"), new byte[5000]);
    Files.createLink(data.resolve("y"), data.resolve("x"));
    Files.createDirectories(data.resolve("d"));
    Files.createLink(data.resolve("d/z"), data.resolve("x"));
    Files.writeString(data.resolve("single"), "123");
    assertThat(v.inspect("linked").size()).isEqualTo(5003);
    assertThat(v.diskUsage().size()).isEqualTo(5003);
  }

  @Test
  void leftoversOfACrashAreCleared() throws IOException {
    Files.createDirectories(dir.resolve("volumes/.new-1/_data"));
    Files.createDirectories(dir.resolve("volumes/.rm-2/_data/x"));
    VolumeStore v = open();
    assertThat(v.list()).isEmpty();
    try (var s = Files.list(dir.resolve("volumes"))) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void stagedContentBecomesAVolumeWholeOrIsDropped() throws IOException {
    VolumeStore v = open();
    try (VolumeStore.Staged s = v.stage()) {
      Files.writeString(s.dataPath().resolve("f"), "image file\n");
      v.create("made", s);
    }
    assertThat(Files.readString(Path.of(v.inspect("made").mountpoint()).resolve("f")))
        .isEqualTo("image file\n");

    v.create("empty");
    try (VolumeStore.Staged s = v.stage()) {
      Files.writeString(s.dataPath().resolve("f"), "image file\n");
      assertThat(v.fillIfEmpty("empty", s)).isTrue();
    }
    assertThat(v.inspect("empty").size()).isEqualTo(11);

    // a volume that holds a file is the user's: the staged copy is dropped, the file stays
    v.create("mine");
    Path mine = Path.of(v.inspect("mine").mountpoint());
    try (VolumeStore.Staged s = v.stage()) {
      Files.writeString(s.dataPath().resolve("f"), "image file\n");
      Files.writeString(mine.resolve("own"), "user data\n");
      assertThat(v.fillIfEmpty("mine", s)).isFalse();
      try (VolumeStore.Staged t = v.stage()) {
        v.create("made", t); // exists: left as it is
      }
    }
    assertThat(Files.list(mine).map(p -> p.getFileName().toString())).containsExactly("own");
    assertThat(Files.list(dir.resolve("volumes")).map(p -> p.getFileName().toString()))
        .as("nothing staged is left")
        .containsExactlyInAnyOrder("made", "empty", "mine");
  }
}
