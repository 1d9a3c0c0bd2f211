package io.strata.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code strata driver ls} output as the driver's own tool prints it, so that a script parsing that
 * tool parses this: {@code btrfs subvolume list} lines, or the {@code zfs list} table. The rows are
 * the server's native listing ({@code ID}, {@code gen}, ... on btrfs; {@code name}, {@code used},
 * ... on zfs).
 */
final class DriverListing {
  private DriverListing() {}

  /** The {@code btrfs subvolume list} flags that change the output. */
  record BtrfsFlags(
      boolean all,
      boolean parent,
      boolean uuid,
      boolean parentUuid,
      boolean receivedUuid,
      boolean cgen,
      boolean snapshotsOnly,
      boolean readOnlyOnly,
      ZoneId zone) {}

  private static final DateTimeFormatter OTIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  /**
   * The lines of {@code btrfs subvolume list}: the columns in btrfs-progs' order, {@code ID gen
   * [cgen] [parent] top level [otime] [parent_uuid] [received_uuid] [uuid] path}. {@code -p} prints
   * the containing subvolume (always the top level, 5, here), as Btrfs does; {@code -s} lists only
   * snapshots and adds {@code cgen} and {@code otime}; {@code -a} prefixes paths with {@code
   * <FS_TREE>/}.
   */
  static List<String> btrfs(List<JsonNode> rows, BtrfsFlags f) {
    List<String> out = new ArrayList<>();
    for (JsonNode r : rows) {
      boolean snapshot = !text(r, "parent_uuid").equals("-");
      if ((f.snapshotsOnly() && !snapshot)
          || (f.readOnlyOnly() && !r.path("readonly").asBoolean())) {
        continue;
      }
      StringBuilder b = new StringBuilder();
      b.append("ID ").append(text(r, "ID")).append(" gen ").append(text(r, "gen"));
      if (f.cgen() || f.snapshotsOnly()) {
        b.append(" cgen ").append(text(r, "cgen"));
      }
      if (f.parent()) {
        b.append(" parent ").append(text(r, "top level"));
      }
      b.append(" top level ").append(text(r, "top level"));
      if (f.snapshotsOnly()) {
        String t = text(r, "otime");
        b.append(" otime ")
            .append(t.equals("-") ? "-" : OTIME.format(Instant.parse(t).atZone(f.zone())));
      }
      if (f.parentUuid()) {
        b.append(" parent_uuid ").append(text(r, "parent_uuid"));
      }
      if (f.receivedUuid()) {
        b.append(" received_uuid -");
      }
      if (f.uuid()) {
        b.append(" uuid ").append(text(r, "uuid"));
      }
      b.append(" path ").append(f.all() ? "<FS_TREE>/" : "").append(text(r, "path"));
      out.add(b.toString());
    }
    return out;
  }

  /** The columns {@code zfs list} right-aligns: numbers. */
  private static final Set<String> NUMERIC = Set.of("used", "avail", "refer", "written", "quota");

  /** The sizes {@code zfs list} shows as {@code none} when 0, unless {@code -p}. */
  private static final Set<String> NONE_WHEN_ZERO = Set.of("quota");

  /**
   * The first of {@code columns} that no row has (nor is an alias {@link #zfs} takes), or null. The
   * server's rows carry every property the driver knows, so they are the one list of what {@code
   * -o} may name.
   */
  static String unknownColumn(List<JsonNode> rows, List<String> columns) {
    Set<String> known = new java.util.HashSet<>(Set.of("available", "referenced"));
    for (JsonNode r : rows) {
      r.fieldNames().forEachRemaining(known::add);
    }
    for (String c : columns) {
      if (!known.contains(c)) {
        return c;
      }
    }
    return null;
  }

  /** {@code zfs list}'s default columns. */
  static final List<String> ZFS_DEFAULT = List.of("name", "used", "avail", "refer", "mountpoint");

  /**
   * The {@code zfs list} table: {@code columns} ({@code -o}; each a key of the rows, {@code
   * available} and {@code referenced} accepted; see {@link #unknownColumn}), rows of the {@code
   * types} given ({@code -t}: filesystem, snapshot, all; zfs's default shows filesystems only),
   * header and two-space alignment with sizes right-aligned, or with {@code scripted} ({@code -H})
   * no header and one tab between fields; sizes in zfs's short form ({@link #nicenum}) unless
   * {@code exact} ({@code -p}).
   */
  static List<String> zfs(
      List<JsonNode> rows,
      List<String> columns,
      Set<String> types,
      boolean scripted,
      boolean exact) {
    List<String> keys = new ArrayList<>();
    for (String c : columns) {
      keys.add(
          switch (c) {
            case "available", "avail" -> "avail";
            case "referenced", "refer" -> "refer";
            default -> c;
          });
    }
    List<String[]> table = new ArrayList<>();
    if (!scripted) {
      table.add(columns.stream().map(c -> c.toUpperCase(Locale.ROOT)).toArray(String[]::new));
    }
    for (JsonNode r : rows) {
      String type = text(r, "type");
      if (!types.contains("all") && !types.contains(type)) {
        continue;
      }
      String[] cells = new String[keys.size()];
      for (int i = 0; i < keys.size(); i++) {
        JsonNode v = r.get(keys.get(i));
        if (v == null || v.isNull()) {
          cells[i] = "-";
        } else if (v.isIntegralNumber() && NUMERIC.contains(keys.get(i)) && !exact) {
          cells[i] =
              v.asLong() == 0 && NONE_WHEN_ZERO.contains(keys.get(i))
                  ? "none"
                  : nicenum(v.asLong());
        } else {
          cells[i] = v.asText();
        }
      }
      table.add(cells);
    }
    List<String> out = new ArrayList<>();
    if (scripted) {
      for (String[] row : table) {
        out.add(String.join("\t", row));
      }
      return out;
    }
    int[] width = new int[keys.size()];
    for (String[] row : table) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : table) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        boolean last = i == row.length - 1;
        String pad = " ".repeat(width[i] - row[i].length());
        if (NUMERIC.contains(keys.get(i))) {
          b.append(pad).append(row[i]);
        } else {
          b.append(row[i]).append(last ? "" : pad);
        }
        if (!last) {
          b.append("  ");
        }
      }
      out.add(b.toString());
    }
    return out;
  }

  private static final String UNITS = "BKMGTPE";

  /**
   * A byte count as OpenZFS's {@code zfs_nicebytes} prints it: {@code 512B}, {@code 128K} (an exact
   * multiple has no decimals), else the most decimals (2, 1, 0) that keep it within 5 characters:
   * {@code 1.20M}, {@code 12.3M}, {@code 123M}.
   */
  static String nicenum(long n) {
    int index = 0;
    long v = n;
    while (v >= 1024 && index < 6) {
      v /= 1024;
      index++;
    }
    char u = UNITS.charAt(index);
    if (index == 0) {
      return n + "B";
    }
    if ((n & ((1L << (10 * index)) - 1)) == 0) {
      return (n >> (10 * index)) + String.valueOf(u);
    }
    double value = (double) n / (1L << (10 * index));
    String s = "";
    for (int i = 2; i >= 0; i--) {
      s = String.format(Locale.ROOT, "%." + i + "f%c", value, u);
      if (s.length() <= 5) {
        break;
      }
    }
    return s;
  }

  private static String text(JsonNode r, String key) {
    JsonNode v = r.get(key);
    return v == null || v.isNull() ? "-" : v.asText();
  }
}
