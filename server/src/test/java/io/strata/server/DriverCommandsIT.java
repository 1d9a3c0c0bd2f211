package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata driver ls|get|set|show} against a real stratad on each driver, through the real
 * CLI: the output scripts that parse btrfs-progs and zfs parse (issue #14 item 8).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DriverCommandsIT {
  @TempDir Path dir;

  private static String out(TestServer.CliRun r) {
    assertThat(r.code()).as(r.stderr()).isZero();
    return new String(r.stdout(), StandardCharsets.UTF_8);
  }

  @Test
  void btrfsListsAndShowsSubvolumesAsBtrfsProgsDoes() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("b"), "btrfs", List.of())) {
      // no subvolume yet: -t still prints btrfs-progs' header, and zfs's options are refused
      assertThat(out(s.cli("driver", "ls", "-t")))
          .isEqualTo("ID\tgen\ttop level\tpath\t\n--\t---\t---------\t----\t\n");
      assertThat(s.cli("driver", "ls", "-H").stderr())
          .contains("-H is a 'zfs list' option; this server's driver is btrfs");
      Path tar = java.nio.file.Files.write(dir.resolve("l.tar"), Tars.of("a.txt", "a"));
      out(s.cli("image", "import", tar.toString(), "-t", "img:1"));
      out(s.cli("create", "--name", "c1", "img:1"));
      String ls = out(s.cli("driver", "ls"));
      assertThat(ls.lines())
          .hasSize(2)
          .allMatch(l -> l.matches("ID \\d+ gen \\d+ top level 5 path \\S+"));
      String p = out(s.cli("driver", "ls", "-p", "-q", "-u"));
      assertThat(p.lines().skip(1).findFirst().orElseThrow())
          .matches(
              "ID 257 gen \\d+ parent 5 top level 5 parent_uuid [0-9a-f-]{36}"
                  + " uuid [0-9a-f-]{36} path \\S+");
      String layer = ls.lines().findFirst().orElseThrow().replaceAll(".* path ", "");
      String show = out(s.cli("driver", "show", layer));
      assertThat(show)
          .startsWith(layer + "\n\tName: \t\t\t" + layer + "\n")
          .contains("\tSubvolume ID: \t\t256\n")
          .contains("\tFlags: \t\t\treadonly\n")
          .contains("\tSnapshot(s):\n\t\t\t\t");
      assertThat(out(s.cli("driver", "get", "ro", layer))).isEqualTo("ro=true\n");
      TestServer.CliRun unknown = s.cli("driver", "set", "colour=red", layer);
      assertThat(unknown.code()).isEqualTo(2);
      assertThat(unknown.stderr()).contains("btrfs subvolumes have the property ro only");
      TestServer.CliRun ro = s.cli("driver", "set", "ro=false", layer);
      assertThat(ro.code()).as("a refused operation failed (SPEC's exit 1)").isEqualTo(1);
      assertThat(ro.stderr()).startsWith("strata: ").contains(layer);
      // btrfs subvolume list -t's table; an option of zfs list refused by name (Z9, Z10)
      assertThat(out(s.cli("driver", "ls", "-t")).lines().limit(2))
          .containsExactly("ID\tgen\ttop level\tpath\t", "--\t---\t---------\t----\t");
      TestServer.CliRun scripted = s.cli("driver", "ls", "-H");
      assertThat(scripted.code()).isEqualTo(2);
      assertThat(scripted.stderr())
          .startsWith("strata: ")
          .contains("-H is a 'zfs list' option; this server's driver is btrfs");

      // gen moves per transaction: a write shows after driver sync (btrfs filesystem sync)
      out(s.cli("driver", "sync"));
      String before = out(s.cli("driver", "ls")).lines().skip(1).findFirst().orElseThrow();
      Path f = java.nio.file.Files.write(dir.resolve("f"), new byte[] {1, 2, 3});
      out(s.cli("fs", "c1", "write", "--from", f.toString(), "/f"));
      Path g = java.nio.file.Files.write(dir.resolve("g"), new byte[] {4, 5, 6});
      out(s.cli("fs", "c1", "write", "--from", g.toString(), "/g"));
      assertThat(out(s.cli("driver", "ls")).lines().skip(1).findFirst().orElseThrow())
          .isEqualTo(before);
      out(s.cli("driver", "sync"));
      long gen = Long.parseLong(before.split(" ")[3]);
      assertThat(out(s.cli("driver", "ls")).lines().skip(1).findFirst().orElseThrow())
          .isEqualTo(before.replace(" gen " + gen + " ", " gen " + (gen + 1) + " "));

      // space as btrfs-progs reports it: the image's a.txt shared, two new blocks its own
      String key = before.replaceAll(".* path ", "");
      assertThat(out(s.cli("driver", "du", "--raw", key)))
          .isEqualTo(
              "     Total   Exclusive  Set shared  Filename\n"
                  + "     12288        8192        4096  "
                  + key
                  + "\n");
      com.fasterxml.jackson.databind.JsonNode data =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(out(s.cli("inspect", "--size", "c1")))
              .get(0)
              .get("GraphDriver")
              .get("Data");
      assertThat(data.get("Total").asLong()).isEqualTo(12288);
      assertThat(data.get("Exclusive").asLong()).isEqualTo(8192);
      assertThat(data.get("SetShared").asLong()).isEqualTo(4096);
      assertThat(data.get("Subvolume").asLong()).isEqualTo(257);
      assertThat(data.get("QgroupExclusive").asLong()).isPositive();
      assertThat(data.get("Referenced").asLong())
          .isGreaterThan(data.get("QgroupExclusive").asLong());
      // btrfs subvolume snapshot and delete, of what strata driver snapshot made only
      // DEST ./mine is the subvolume mine, as btrfs-progs reads the path (A7); no directories
      assertThat(out(s.cli("driver", "snapshot", "-r", key, "./mine")))
          .isEqualTo("Create a readonly snapshot of '" + key + "' in './mine'\n");
      TestServer.CliRun nested = s.cli("driver", "snapshot", key, "dir/mine");
      assertThat(nested.code()).isEqualTo(2);
      assertThat(nested.stderr())
          .startsWith("strata: ")
          .contains("DEST 'dir/mine' is not a subvolume name in the top level");
      assertThat(out(s.cli("driver", "ls", "-q", "-r")).lines().toList())
          .as("read-only subvolumes: the image layer and the new snapshot")
          .hasSize(2)
          .last()
          .asString()
          .matches("ID 258 gen \\d+ top level 5 parent_uuid [0-9a-f-]{36} path mine");
      TestServer.CliRun kept = s.cli("driver", "delete", key);
      assertThat(kept.code()).isNotZero();
      assertThat(kept.stderr()).contains(key).contains("strata rm");
      assertThat(out(s.cli("driver", "delete", "./mine")))
          .isEqualTo("Delete subvolume (no-commit): './mine'\n");
      assertThat(out(s.cli("driver", "ls")).lines()).hasSize(2);

      assertThat(out(s.cli("driver", "show", key)))
          .contains("\tQuota group:\t\t0/257\n")
          .containsPattern("\t  Usage exclusive:\t[0-9]+\\.[0-9]{2}(B|KiB)\n");
    }
  }

  @Test
  void zfsListsGetsAndSetsAsZfsDoes() throws Exception {
    try (TestServer s = TestServer.start(dir.resolve("z"), "zfs", List.of())) {
      Path tar = java.nio.file.Files.write(dir.resolve("l.tar"), Tars.of("a.txt", "a"));
      out(s.cli("image", "import", tar.toString(), "-t", "img:1"));
      out(s.cli("create", "--name", "c1", "img:1"));
      List<String> ls = out(s.cli("driver", "ls")).lines().toList();
      assertThat(ls.get(0)).matches("NAME +USED +AVAIL +REFER +MOUNTPOINT");
      assertThat(ls).hasSize(4);
      assertThat(ls.get(1)).matches("strata +\\d[\\d.]*[BKMGT] +\\d[\\d.]*[BKMGT] +0B +none");
      assertThat(ls.get(3)).matches("strata/2 +\\S+ +\\S+ +\\S+ +legacy");
      assertThat(out(s.cli("driver", "ls", "-H", "-p", "-t", "snapshot", "-o", "name,origin")))
          .isEqualTo("strata/1@1\t-\n");

      // zfs list's types, short and in lists, and refusals in its words (Z9)
      assertThat(out(s.cli("driver", "ls", "-H", "-t", "snap", "-o", "name")))
          .isEqualTo("strata/1@1\n");
      assertThat(out(s.cli("driver", "ls", "-H", "-t", "snapshot,fs", "-o", "name")).lines())
          .hasSize(4);
      TestServer.CliRun badType = s.cli("driver", "ls", "-t", "bogus");
      assertThat(badType.code()).isEqualTo(2);
      assertThat(badType.stderr()).startsWith("strata: ").contains("invalid type 'bogus'");
      TestServer.CliRun btrfsOption = s.cli("driver", "ls", "-a");
      assertThat(btrfsOption.code()).isEqualTo(2);
      assertThat(btrfsOption.stderr())
          .contains("-a is a 'btrfs subvolume list' option; this server's driver is zfs");
      // --json: sizes are numbers, what a row lacks null (Z6)
      com.fasterxml.jackson.databind.JsonNode json =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(out(s.cli("--json", "driver", "ls")));
      assertThat(json.get(1).get("recordsize").isIntegralNumber()).isTrue();
      assertThat(json.get(1).get("origin").isNull()).isTrue();
      assertThat(json.get(2).get("name").asText()).isEqualTo("strata/1@1");
      assertThat(json.get(2).get("avail").isNull()).isTrue();
      // zfs get of a snapshot, of comma lists, with -o and -p; zfs set of several (Z5, Z6, Z7)
      assertThat(
              out(s.cli("driver", "get", "-H", "-o", "property", "used,referenced", "strata/1@1")))
          .isEqualTo("used\nreferenced\n");
      assertThat(out(s.cli("driver", "get", "-H", "-p", "-o", "value", "recordsize", "strata/2")))
          .isEqualTo("131072\n");
      out(s.cli("driver", "set", "atime=off", "quota=1G", "strata/2"));
      assertThat(out(s.cli("driver", "get", "-H", "-o", "value,source", "atime,quota", "strata/2")))
          .isEqualTo("off\tlocal\n1G\tlocal\n");
      assertThat(
              out(s.cli("driver", "get", "-H", "-s", "local", "-o", "property", "all", "strata/2")))
          .isEqualTo("atime\nquota\n");
      out(s.cli("driver", "set", "atime=inherit", "quota=none", "strata/2"));

      assertThat(out(s.cli("driver", "get", "dedup")))
          .isEqualTo("NAME    PROPERTY  VALUE  SOURCE\nstrata  dedup     on     local\n");
      out(s.cli("driver", "set", "recordsize=16K", "strata/2"));
      assertThat(out(s.cli("driver", "get", "-H", "recordsize", "strata/2")))
          .isEqualTo("strata/2\trecordsize\t16K\tlocal\n");
      out(s.cli("driver", "set", "compression", "lz4"));
      assertThat(out(s.cli("driver", "get", "-H", "compression", "strata/2")))
          .isEqualTo("strata/2\tcompression\tlz4\tinherited from strata\n");
      out(s.cli("driver", "set", "recordsize=inherit", "strata/2"));
      assertThat(out(s.cli("driver", "get", "-H", "recordsize", "strata/2")))
          .isEqualTo("strata/2\trecordsize\t128K\tdefault\n");
      TestServer.CliRun bad = s.cli("driver", "set", "recordsize=3K", "strata/2");
      assertThat(bad.code()).isEqualTo(2);
      assertThat(bad.stderr()).startsWith("strata: ").contains("3K");
      // all or nothing, as zfs set checks the whole list first (AA7): a refused assignment or an
      // unknown name leaves every other assignment unmade
      TestServer.CliRun mixed =
          s.cli("driver", "set", "atime=off", "compression=lz4", "recordsize=3K", "strata/2");
      assertThat(mixed.code()).isEqualTo(2);
      assertThat(mixed.stderr()).startsWith("strata: ").contains("3K");
      TestServer.CliRun unknown = s.cli("driver", "set", "atime=off", "strata/2", "strata/99");
      assertThat(unknown.code()).isNotZero();
      assertThat(unknown.stderr()).startsWith("strata: ").contains("strata/99");
      assertThat(
              out(
                  s.cli(
                      "driver",
                      "get",
                      "-H",
                      "-o",
                      "value,source",
                      "atime,compression,recordsize",
                      "strata/2")))
          .isEqualTo("on\tdefault\nlz4\tinherited from strata\n128K\tdefault\n");

      // readonly and quota act on writes
      byte[] random = new byte[200 << 10];
      new java.util.Random(7).nextBytes(random);
      Path f = java.nio.file.Files.write(dir.resolve("f"), random);
      out(s.cli("driver", "set", "readonly=on"));
      assertThat(out(s.cli("driver", "get", "-H", "readonly", "strata/2")))
          .isEqualTo("strata/2\treadonly\ton\tinherited from strata\n");
      TestServer.CliRun refused = s.cli("fs", "c1", "write", "--from", f.toString(), "/f");
      assertThat(refused.code()).isNotZero();
      assertThat(refused.stderr()).contains("strata/2").contains("read-only file system");
      out(s.cli("driver", "set", "readonly=off"));
      out(s.cli("driver", "set", "quota=128K", "strata/2"));
      TestServer.CliRun full = s.cli("fs", "c1", "write", "--from", f.toString(), "/f");
      assertThat(full.code()).isNotZero();
      assertThat(full.stderr()).contains("strata/2").contains("disk quota exceeded");
      assertThat(out(s.cli("fs", "c1", "ls", "/"))).doesNotContain("f\n");
      // zfs list takes every property zfs get knows, and AVAIL is what the quota leaves (U3)
      String row =
          out(s.cli("driver", "ls", "-H", "-p", "-o", "name,quota,readonly,used,avail"))
              .lines()
              .filter(l -> l.startsWith("strata/2\t"))
              .findFirst()
              .orElseThrow();
      String[] cols = row.split("\t");
      assertThat(cols[1]).isEqualTo(Integer.toString(128 << 10));
      assertThat(cols[2]).isEqualTo("off");
      assertThat(Long.parseLong(cols[4])).isEqualTo((128 << 10) - Long.parseLong(cols[3]));
      assertThat(out(s.cli("driver", "ls", "-H", "-o", "name,quota"))).contains("strata\tnone\n");
      TestServer.CliRun bogus = s.cli("driver", "ls", "-o", "name,bogus");
      assertThat(bogus.code()).isEqualTo(2);
      assertThat(bogus.stderr())
          .startsWith("strata: ")
          .contains("bad property list: invalid property 'bogus'");
      out(s.cli("driver", "set", "quota=none", "strata/2"));
      out(s.cli("fs", "c1", "write", "--from", f.toString(), "/f"));

      // space as zfs get reports it, and in inspect
      // written counts what used and referenced count, stored bytes: a clone without snapshots
      // has written what it uses (Z3)
      String used = out(s.cli("driver", "get", "-H", "-p", "-o", "value", "used", "strata/2"));
      assertThat(Long.parseLong(used.trim())).isGreaterThanOrEqualTo(200 << 10);
      assertThat(out(s.cli("driver", "get", "-H", "-p", "written", "strata/2")))
          .isEqualTo("strata/2\twritten\t" + used.trim() + "\t-\n");
      com.fasterxml.jackson.databind.JsonNode data =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(out(s.cli("inspect", "--size", "c1")))
              .get(0)
              .get("GraphDriver")
              .get("Data");
      assertThat(data.get("Dataset").asText()).isEqualTo("strata/2");

      // zfs snapshot and rollback
      String snap = out(s.cli("driver", "snapshot", "strata/2")).trim();
      assertThat(snap).matches("strata/2@\\d+");
      out(s.cli("fs", "c1", "write", "--from", f.toString(), "/after"));
      assertThat(out(s.cli("fs", "c1", "ls", "/"))).contains("after");
      out(s.cli("driver", "rollback", snap));
      assertThat(out(s.cli("fs", "c1", "ls", "/"))).doesNotContain("after").contains("f");
      assertThat(data.get("Written").asLong()).isEqualTo(Long.parseLong(used.trim()));
      assertThat(data.get("Written").asLong()).isLessThanOrEqualTo(data.get("Referenced").asLong());
      assertThat(data.get("Used").asLong()).isGreaterThan(200 << 10);
      assertThat(data.get("Referenced").asLong()).isGreaterThan(200 << 10);
    }
  }
}
