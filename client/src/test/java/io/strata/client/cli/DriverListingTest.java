package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
        f.contains("t"),
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
            "ID 257 gen 12 cgen 10 top level 5 parent_uuid "
                + String.format("%-36s", "1b2c-a")
                + " received_uuid "
                + DASH36
                + " uuid "
                + String.format("%-36s", "3d4e-b")
                + " path ctr");
    assertThat(DriverListing.btrfs(r, flags("s")))
        .containsExactly("ID 257 gen 12 cgen 10 top level 5 otime 2026-12-04 10:01:02 path ctr");
    assertThat(DriverListing.btrfs(r, flags("ra")))
        .as("-a prefixes only subvolumes outside the top level")
        .containsExactly("ID 256 gen 9 top level 5 path layer");
  }

  /** "-" padded to a uuid's 36 columns, as btrfs-progs prints an absent uuid ({@code %-36s}). */
  private static final String DASH36 = "-" + " ".repeat(35);

  /**
   * Real subvolumes, as btrfs-progs 6.2 printed them (a loop-mounted Btrfs: {@code sub}, {@code
   * d/inner}, a read-only snapshot {@code snap} of {@code sub}, and {@code sub/nested} inside
   * {@code sub}), so the lines below are its bytes (checked with {@code cat -A}).
   */
  private static final String REAL =
      "[{\"ID\":256,\"gen\":7,\"cgen\":7,\"top level\":5,\"parent_uuid\":\"-\","
          + "\"uuid\":\"5f7d2410-18ff-b748-9440-c0bf70f5a359\",\"readonly\":false,"
          + "\"otime\":\"2026-12-07T08:06:40Z\",\"path\":\"sub\"},"
          + "{\"ID\":258,\"gen\":7,\"cgen\":7,\"top level\":5,"
          + "\"parent_uuid\":\"5f7d2410-18ff-b748-9440-c0bf70f5a359\","
          + "\"uuid\":\"6de3751b-23c7-9147-a8a4-b52c46b6c332\",\"readonly\":true,"
          + "\"otime\":\"2026-12-07T08:06:40Z\",\"path\":\"snap\"},"
          + "{\"ID\":259,\"gen\":8,\"cgen\":8,\"top level\":256,\"parent_uuid\":\"-\","
          + "\"uuid\":\"6efde237-3050-ab48-a5df-9b16263d7cee\",\"readonly\":false,"
          + "\"otime\":\"2026-12-07T08:06:41Z\",\"path\":\"sub/nested\"}]";

  /**
   * {@code -q}, {@code -R} and {@code -u} pad to 36 columns, {@code -a} prefixes only what is not
   * in the top level, {@code -t} prints btrfs-progs' table (docs/ADVERSARIAL.md, Z9, Z10).
   */
  @Test
  @Timeout(30)
  void btrfsOptionsPrintTheRealToolsBytes() throws Exception {
    List<JsonNode> r = rows(REAL);
    assertThat(DriverListing.btrfs(r, flags("q")))
        .containsExactly(
            "ID 256 gen 7 top level 5 parent_uuid -                                    path sub",
            "ID 258 gen 7 top level 5 parent_uuid 5f7d2410-18ff-b748-9440-c0bf70f5a359 path snap",
            "ID 259 gen 8 top level 256 parent_uuid -                                    path"
                + " sub/nested");
    assertThat(DriverListing.btrfs(r, flags("R")).get(0))
        .isEqualTo(
            "ID 256 gen 7 top level 5 received_uuid -                                    path sub");
    assertThat(DriverListing.btrfs(r, flags("a")))
        .containsExactly(
            "ID 256 gen 7 top level 5 path sub",
            "ID 258 gen 7 top level 5 path snap",
            "ID 259 gen 8 top level 256 path <FS_TREE>/sub/nested");
    assertThat(DriverListing.btrfs(r, flags("t")))
        .containsExactly(
            "ID\tgen\ttop level\tpath\t",
            "--\t---\t---------\t----\t",
            "256\t7\t5\t\tsub",
            "258\t7\t5\t\tsnap",
            "259\t8\t256\t\tsub/nested");
    assertThat(DriverListing.btrfs(r, flags("tq")).subList(0, 3))
        .containsExactly(
            "ID\tgen\ttop level\tparent_uuid\tpath\t",
            "--\t---\t---------\t-----------\t----\t",
            "256\t7\t5\t\t-                                   \tsub");
    assertThat(DriverListing.btrfs(r, flags("tupc")).get(3))
        .isEqualTo("258\t7\t7\t5\t5\t\t6de3751b-23c7-9147-a8a4-b52c46b6c332\tsnap");
    assertThat(DriverListing.btrfs(r, flags("ts")))
        .containsExactly(
            "ID\tgen\tcgen\ttop level\totime\tpath\t",
            "--\t---\t----\t---------\t-----\t----\t",
            "258\t7\t7\t5\t\t2026-12-07 08:06:40\tsnap");
    assertThat(DriverListing.btrfs(r, flags("at")).get(4))
        .isEqualTo("259\t8\t256\t\t<FS_TREE>/sub/nested");
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

  /**
   * {@code -o} headers are zfs list's (RECSIZE, COMPRESS, RDONLY, AVAIL, REFER), numbers right-
   * aligned, recordsize in bytes with {@code -p}; absent values (null) print as {@code -}
   * (docs/ADVERSARIAL.md, Z6, Z10). The expected lines follow zfs-list(8)'s format.
   */
  @Test
  @Timeout(30)
  void zfsHeadersAlignmentAndExactRecordsize() throws Exception {
    List<JsonNode> r =
        rows(
            "[{\"name\":\"strata\",\"type\":\"filesystem\",\"recordsize\":131072,"
                + "\"compression\":\"on\",\"readonly\":\"off\",\"available\":5,"
                + "\"avail\":10200547328,\"refer\":0,\"origin\":null},"
                + "{\"name\":\"strata/1\",\"type\":\"filesystem\",\"recordsize\":65536,"
                + "\"compression\":\"zstd-7\",\"readonly\":\"on\",\"avail\":10200547328,"
                + "\"refer\":131072,\"origin\":null},"
                + "{\"name\":\"strata/1@1\",\"type\":\"snapshot\",\"avail\":null,"
                + "\"refer\":131072,\"origin\":null}]");
    assertThat(
            DriverListing.zfs(
                r,
                List.of("name", "recordsize", "compression", "readonly", "available", "origin"),
                Set.of("filesystem"),
                false,
                false))
        .containsExactly(
            "NAME      RECSIZE  COMPRESS  RDONLY  AVAIL  ORIGIN",
            "strata       128K  on        off     9.50G  -",
            "strata/1      64K  zstd-7    on      9.50G  -");
    assertThat(DriverListing.zfs(r, List.of("name", "recordsize"), Set.of("all"), true, true))
        .containsExactly("strata\t131072", "strata/1\t65536", "strata/1@1\t-");
    assertThat(
            DriverListing.zfs(
                r, List.of("name", "avail", "referenced"), Set.of("snapshot"), false, false))
        .containsExactly("NAME        AVAIL  REFER", "strata/1@1      -   128K");
  }

  /**
   * {@code -t} takes zfs list's types, short forms and comma lists, and refuses the rest as zfs
   * does; an option of the other tool is refused by name (docs/ADVERSARIAL.md, Z9).
   */
  @Test
  @Timeout(30)
  void zfsTypesAndTheOtherToolsOptions() {
    assertThat(DriverListing.zfsTypes("snap")).containsExactly("snapshot");
    assertThat(DriverListing.zfsTypes("fs")).containsExactly("filesystem");
    assertThat(DriverListing.zfsTypes("snapshot,filesystem"))
        .containsExactlyInAnyOrder("snapshot", "filesystem");
    assertThat(DriverListing.zfsTypes("all")).containsExactly("all");
    assertThatThrownBy(() -> DriverListing.zfsTypes("bogus"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid type 'bogus'");
    assertThatThrownBy(() -> DriverListing.zfsTypes("fs,")).hasMessage("invalid type ''");
    assertThat(
            DriverListing.refused(
                "btrfs subvolume list", "zfs", new boolean[] {false, true}, "-a", "-u"))
        .isEqualTo("-u is a 'btrfs subvolume list' option; this server's driver is zfs");
    assertThat(DriverListing.refused("zfs list", "btrfs", new boolean[] {false}, "-H")).isNull();
  }

  /**
   * --json has every key on every entry, null where a row has none (the protocol leaves nulls out),
   * so each key has one type (docs/ADVERSARIAL.md, Z6).
   */
  @Test
  @Timeout(30)
  void jsonEntriesHaveNullForWhatARowLacks() throws Exception {
    List<JsonNode> r =
        rows(
            "[{\"name\":\"strata/1\",\"avail\":5,\"recordsize\":131072,\"key\":\"l\"},"
                + "{\"name\":\"strata/1@1\",\"key\":\"l\",\"top level\":5}]");
    String json =
        io.strata.protocol.message.Json.mapper()
            .writeValueAsString(DriverCommand.ListCommand.jsonEntries(r));
    assertThat(json)
        .isEqualTo(
            "[{\"name\":\"strata/1\",\"avail\":5,\"recordsize\":131072,\"key\":\"l\","
                + "\"topLevel\":null},{\"name\":\"strata/1@1\",\"avail\":null,"
                + "\"recordsize\":null,\"key\":\"l\",\"topLevel\":5}]");
  }

  /** {@code -s}/{@code -S} sort as zfs list does; an unknown property is refused in its words. */
  @Test
  @Timeout(30)
  void zfsSortsByProperties() throws Exception {
    List<JsonNode> r = rows(ZFS);
    List<String[]> byUsedDown = new ArrayList<>();
    byUsedDown.add(new String[] {"used", "down"});
    byUsedDown.add(new String[] {"name", "up"});
    assertThat(DriverListing.zfsSorted(r, byUsedDown))
        .extracting(n -> n.get("name").asText())
        .containsExactly("strata", "strata/1", "strata/2", "strata/1@1");
    List<String[]> byRefer = new ArrayList<>();
    byRefer.add(new String[] {"referenced", "up"});
    assertThat(DriverListing.zfsSorted(r, byRefer))
        .extracting(n -> n.get("name").asText())
        .containsExactly("strata", "strata/1", "strata/1@1", "strata/2");
    List<String[]> bogus = new ArrayList<>();
    bogus.add(new String[] {"bogus", "up"});
    assertThatThrownBy(() -> DriverListing.zfsSorted(r, bogus))
        .hasMessage("invalid property 'bogus'");
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
