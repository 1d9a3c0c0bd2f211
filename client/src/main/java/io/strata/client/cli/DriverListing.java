package io.strata.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
      boolean table,
      ZoneId zone) {}

  private static final DateTimeFormatter OTIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  /** The top level's subvolume id: the subvolumes in it are listed without a prefix by -a. */
  private static final String FS_TREE = "5";

  /** btrfs-progs' uuid columns, printed {@code %-36s} (a uuid's length) so that "-" lines up. */
  private static final Set<String> UUIDS = Set.of("parent_uuid", "received_uuid", "uuid");

  /**
   * The lines of {@code btrfs subvolume list} (btrfs-progs 6.2): the columns in its order, {@code
   * ID gen [cgen] [parent] top level [otime] [parent_uuid] [received_uuid] [uuid] path}, each name
   * and value and a space, the uuids padded to 36. {@code -p} prints the containing subvolume
   * (always the top level, 5, here), as Btrfs does; {@code -s} lists only snapshots and adds {@code
   * cgen} and {@code otime}; {@code -a} prefixes with {@code <FS_TREE>/} the paths of subvolumes
   * not in the top level (none here); {@code -t} prints a table: the names, their dashes, then the
   * values, each followed by a tab (two after {@code top level}, none after the path).
   */
  static List<String> btrfs(List<JsonNode> rows, BtrfsFlags f) {
    List<String> out = new ArrayList<>();
    if (f.table()) {
      // the header whether or not a row follows, as btrfs-progs prints it on an empty listing
      StringBuilder names = new StringBuilder();
      StringBuilder dashes = new StringBuilder();
      for (String[] c :
          btrfsColumns(com.fasterxml.jackson.databind.node.MissingNode.getInstance(), f)) {
        names.append(c[0]).append('\t');
        dashes.append("-".repeat(c[0].length())).append('\t');
      }
      out.add(names.toString());
      out.add(dashes.toString());
    }
    for (JsonNode r : rows) {
      boolean snapshot = !text(r, "parent_uuid").equals("-");
      if ((f.snapshotsOnly() && !snapshot)
          || (f.readOnlyOnly() && !r.path("readonly").asBoolean())) {
        continue;
      }
      List<String[]> cols = btrfsColumns(r, f);
      StringBuilder b = new StringBuilder();
      for (String[] c : cols) {
        String v = UUIDS.contains(c[0]) ? String.format(Locale.ROOT, "%-36s", c[1]) : c[1];
        boolean path = c[0].equals("path");
        if (f.table()) {
          b.append(v).append(path ? "" : c[0].equals("top level") ? "\t\t" : "\t");
        } else {
          b.append(c[0]).append(' ').append(v).append(path ? "" : " ");
        }
      }
      out.add(b.toString());
    }
    return out;
  }

  /** One row's columns, name and value, in btrfs-progs' order. */
  private static List<String[]> btrfsColumns(JsonNode r, BtrfsFlags f) {
    List<String[]> cols = new ArrayList<>();
    cols.add(new String[] {"ID", text(r, "ID")});
    cols.add(new String[] {"gen", text(r, "gen")});
    if (f.cgen() || f.snapshotsOnly()) {
      cols.add(new String[] {"cgen", text(r, "cgen")});
    }
    String topLevel = text(r, "top level");
    if (f.parent()) {
      cols.add(new String[] {"parent", topLevel});
    }
    cols.add(new String[] {"top level", topLevel});
    if (f.snapshotsOnly()) {
      String t = text(r, "otime");
      cols.add(
          new String[] {
            "otime", t.equals("-") ? "-" : OTIME.format(Instant.parse(t).atZone(f.zone()))
          });
    }
    if (f.parentUuid()) {
      cols.add(new String[] {"parent_uuid", text(r, "parent_uuid")});
    }
    if (f.receivedUuid()) {
      cols.add(new String[] {"received_uuid", "-"});
    }
    if (f.uuid()) {
      cols.add(new String[] {"uuid", text(r, "uuid")});
    }
    String prefix = f.all() && !topLevel.equals(FS_TREE) ? "<FS_TREE>/" : "";
    cols.add(new String[] {"path", prefix + text(r, "path")});
    return cols;
  }

  /**
   * The refusal of the first of {@code names} whose flag in {@code given} is set, an option of the
   * other driver's tool {@code tool} that {@code driver}'s listing would otherwise ignore silently;
   * null if none is.
   */
  static String refused(String tool, String driver, boolean[] given, String... names) {
    for (int i = 0; i < names.length; i++) {
      if (given[i]) {
        return names[i] + " is a '" + tool + "' option; this server's driver is " + driver;
      }
    }
    return null;
  }

  /** The columns {@code zfs list} right-aligns: numbers (zfs_prop_align_right). */
  private static final Set<String> NUMERIC =
      Set.of("used", "avail", "refer", "written", "quota", "recordsize");

  /** The headers {@code zfs list} prints where it does not upper-case the name (zfsprops(7)). */
  private static final Map<String, String> HEADERS =
      Map.of(
          "available", "AVAIL",
          "referenced", "REFER",
          "recordsize", "RECSIZE",
          "compression", "COMPRESS",
          "readonly", "RDONLY");

  /** A {@code zfs list -o} column's header. */
  static String header(String column) {
    return HEADERS.getOrDefault(column, column.toUpperCase(Locale.ROOT));
  }

  /**
   * {@code zfs list -t}'s type list as the types it names ({@code fs}, {@code snap}, {@code vol}
   * are short forms; {@code all} is every type).
   *
   * @throws IllegalArgumentException naming the first type zfs does not know
   */
  static Set<String> zfsTypes(String list) {
    Set<String> out = new java.util.HashSet<>();
    for (String t : list.split(",", -1)) {
      out.add(
          switch (t) {
            case "filesystem", "fs" -> "filesystem";
            case "snapshot", "snap" -> "snapshot";
            case "volume", "vol" -> "volume";
            case "bookmark" -> "bookmark";
            case "all" -> "all";
            default -> throw new IllegalArgumentException("invalid type '" + t + "'");
          });
    }
    return out;
  }

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

  /**
   * The rows sorted as {@code zfs list -s}/{@code -S} sorts them: by each {@code {property, "up"|
   * "down"}} in turn, numbers by value and text alphabetically; a row without the property comes
   * after those with it; equal rows keep their order.
   *
   * @throws IllegalArgumentException naming a property no row has, in zfs's words
   */
  static List<JsonNode> zfsSorted(List<JsonNode> rows, List<String[]> keys) {
    if (keys.isEmpty()) {
      return rows;
    }
    java.util.Comparator<JsonNode> order = (a, b) -> 0;
    for (String[] k : keys) {
      String column = unknownColumn(rows, List.of(k[0]));
      if (column != null) {
        throw new IllegalArgumentException("invalid property '" + column + "'");
      }
      String key =
          switch (k[0]) {
            case "available" -> "avail";
            case "referenced" -> "refer";
            default -> k[0];
          };
      boolean down = k[1].equals("down");
      order =
          order.thenComparing(
              (a, b) -> {
                JsonNode x = a.get(key);
                JsonNode y = b.get(key);
                boolean hasX = x != null && !x.isNull();
                boolean hasY = y != null && !y.isNull();
                if (!hasX || !hasY) {
                  return Boolean.compare(!hasX, !hasY);
                }
                int c =
                    x.isNumber() && y.isNumber()
                        ? Long.compare(x.asLong(), y.asLong())
                        : x.asText().compareTo(y.asText());
                return down ? -c : c;
              });
    }
    List<JsonNode> out = new ArrayList<>(rows);
    out.sort(order);
    return out;
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
      table.add(columns.stream().map(DriverListing::header).toArray(String[]::new));
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
