package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code strata driver ls} prints what btrfs-progs and OpenZFS print, to the character. */
class DriverListingTest {
  private static List<JsonNode> rows(String json) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    new ObjectMapper().readTree(json).forEach(out::add);
    return out;
  }

  private static final String BTRFS =
      "[{\"ID\":256,\"gen\":9,\"cgen\":7,\"top level\":5,\"parent\":0,\"parent_uuid\":\"-\","
          + "\"uuid\":\"1b2c-a\",\"readonly\":true,\"otime\":\"2026-12-04T10:00:00Z\","
          + "\"path\":\"layer\"},"
          + "{\"ID\":257,\"gen\":12,\"cgen\":10,\"top level\":5,\"parent\":256,"
          + "\"parent_uuid\":\"1b2c-a\",\"uuid\":\"3d4e-b\",\"readonly\":false,"
          + "\"otime\":\"2026-12-04T10:01:02Z\",\"path\":\"ctr\"}]";

  private static DriverListing.BtrfsFlags flags(String f) {
    return new DriverListing.BtrfsFlags(
        f.contains("a"),
        f.contains("p"),
        f.contains("u"),
        f.contains("q"),
        f.contains("R"),
        f.contains("c"),
        f.contains("s"),
        f.contains("r"),
        ZoneOffset.UTC);
  }

  @Test
  void btrfsSubvolumeListLines() throws Exception {
    List<JsonNode> r = rows(BTRFS);
    assertThat(DriverListing.btrfs(r, flags("")))
        .containsExactly(
            "ID 256 gen 9 top level 5 path layer", "ID 257 gen 12 top level 5 path ctr");
    assertThat(DriverListing.btrfs(r, flags("p")))
        .as("-p: the containing subvolume, as Btrfs prints it")
        .containsExactly(
            "ID 256 gen 9 parent 5 top level 5 path layer",
            "ID 257 gen 12 parent 5 top level 5 path ctr");
    assertThat(DriverListing.btrfs(r, flags("cuqR")).get(1))
        .isEqualTo(
            "ID 257 gen 12 cgen 10 top level 5 parent_uuid 1b2c-a received_uuid - uuid 3d4e-b"
                + " path ctr");
    assertThat(DriverListing.btrfs(r, flags("q")).get(0))
        .isEqualTo("ID 256 gen 9 top level 5 parent_uuid - path layer");
    assertThat(DriverListing.btrfs(r, flags("s")))
        .containsExactly("ID 257 gen 12 cgen 10 top level 5 otime 2026-12-04 10:01:02 path ctr");
    assertThat(DriverListing.btrfs(r, flags("ra")))
        .containsExactly("ID 256 gen 9 top level 5 path <FS_TREE>/layer");
  }

  private static final String ZFS =
      "[{\"name\":\"strata\",\"type\":\"filesystem\",\"used\":1258291,\"refer\":0,"
          + "\"origin\":\"-\",\"avail\":10200547328,\"mountpoint\":\"none\"},"
          + "{\"name\":\"strata/1\",\"type\":\"filesystem\",\"used\":1258291,\"refer\":131072,"
          + "\"origin\":\"-\",\"avail\":10200547328,\"mountpoint\":\"legacy\",\"key\":\"l\"},"
          + "{\"name\":\"strata/1@1\",\"type\":\"snapshot\",\"used\":0,\"refer\":131072,"
          + "\"origin\":\"-\",\"avail\":\"-\",\"mountpoint\":\"-\",\"key\":\"l\"},"
          + "{\"name\":\"strata/2\",\"type\":\"filesystem\",\"used\":512,\"refer\":131700,"
          + "\"origin\":\"strata/1@1\",\"avail\":10200547328,\"mountpoint\":\"legacy\","
          + "\"key\":\"c\"}]";

  @Test
  void zfsListTable() throws Exception {
    List<JsonNode> r = rows(ZFS);
    assertThat(DriverListing.zfs(r, DriverListing.ZFS_DEFAULT, Set.of("filesystem"), false, false))
        .containsExactly(
            "NAME       USED  AVAIL  REFER  MOUNTPOINT",
            "strata    1.20M  9.50G     0B  none",
            "strata/1  1.20M  9.50G   128K  legacy",
            "strata/2   512B  9.50G   129K  legacy");
    assertThat(
            DriverListing.zfs(
                r, List.of("name", "used", "refer", "origin"), Set.of("all"), true, true))
        .containsExactly(
            "strata\t1258291\t0\t-",
            "strata/1\t1258291\t131072\t-",
            "strata/1@1\t0\t131072\t-",
            "strata/2\t512\t131700\tstrata/1@1");
    assertThat(DriverListing.zfs(r, List.of("name", "type"), Set.of("snapshot"), true, false))
        .containsExactly("strata/1@1\tsnapshot");
  }

  /** {@code -o} takes what the rows carry and refuses the rest, as zfs list (U3). */
  @Test
  void zfsColumnsAreTheRowsKeys() throws Exception {
    List<JsonNode> r =
        rows(
            "[{\"name\":\"strata\",\"type\":\"filesystem\",\"quota\":0},"
                + "{\"name\":\"strata/2\",\"type\":\"filesystem\",\"quota\":1572864}]");
    assertThat(DriverListing.unknownColumn(r, List.of("name", "quota", "available"))).isNull();
    assertThat(DriverListing.unknownColumn(r, List.of("name", "bogus", "other")))
        .isEqualTo("bogus");
    assertThat(DriverListing.zfs(r, List.of("name", "quota"), Set.of("all"), true, false))
        .containsExactly("strata\tnone", "strata/2\t1.50M");
    assertThat(DriverListing.zfs(r, List.of("name", "quota"), Set.of("all"), true, true))
        .containsExactly("strata\t0", "strata/2\t1572864");
  }

  @Test
  void zfsNicenum() {
    assertThat(DriverListing.nicenum(0)).isEqualTo("0B");
    assertThat(DriverListing.nicenum(328)).isEqualTo("328B");
    assertThat(DriverListing.nicenum(96 << 10)).isEqualTo("96K");
    assertThat(DriverListing.nicenum(1_268_777)).isEqualTo("1.21M");
    assertThat(DriverListing.nicenum(13_207_024_435L)).isEqualTo("12.3G");
    assertThat(DriverListing.nicenum(1536)).isEqualTo("1.50K");
    assertThat(DriverListing.nicenum(1023)).isEqualTo("1023B");
    assertThat(DriverListing.nicenum(131072)).isEqualTo("128K");
    assertThat(DriverListing.nicenum(1258291)).isEqualTo("1.20M");
    assertThat(DriverListing.nicenum(12_940_000)).isEqualTo("12.3M");
    assertThat(DriverListing.nicenum(129_400_000)).isEqualTo("123M");
    assertThat(DriverListing.nicenum(10200547328L)).isEqualTo("9.50G");
  }
}
