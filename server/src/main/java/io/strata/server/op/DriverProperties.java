package io.strata.server.op;

import io.strata.driver.btrfs.BtrfsDriver;
import io.strata.driver.btrfs.Subvolume;
import io.strata.driver.zfs.DatasetProperties;
import io.strata.driver.zfs.PropertyValue;
import io.strata.protocol.message.DriverPropertyArgs;
import io.strata.store.driver.StorageDriver;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code driver.property}: {@code zfs get/set/inherit} on zfs, {@code btrfs property get ro} on
 * btrfs, and {@code btrfs subvolume show} or {@code zfs get all} of one snapshot, as rows.
 */
final class DriverProperties {
  private DriverProperties() {}

  static List<Map<String, Object>> run(StorageDriver driver, DriverPropertyArgs a)
      throws IOException {
    String op = a.op() == null ? "" : a.op();
    if (driver instanceof DatasetProperties zfs) {
      String name = dataset(zfs, a.name());
      String property = a.property() == null ? "all" : a.property();
      switch (op) {
        case "get", "show" -> {
          return rows(
              property.equals("all") || op.equals("show")
                  ? zfs.list(name)
                  : List.of(zfs.get(name, property)));
        }
        case "set" -> {
          if (a.value() == null) {
            throw new InvalidArgumentException("driver set " + property + ": a value is required");
          }
          zfs.set(name, property, a.value());
          return rows(List.of(zfs.get(name, property)));
        }
        case "inherit" -> {
          zfs.inherit(name, property);
          return rows(List.of(zfs.get(name, property)));
        }
        default -> throw badOp(op);
      }
    }
    if (driver instanceof BtrfsDriver btrfs) {
      if (a.name() == null) {
        throw new InvalidArgumentException("driver " + op + ": name a subvolume (a snapshot key)");
      }
      Subvolume s = btrfs.subvolume(a.name());
      switch (op) {
        case "get" -> {
          String property = a.property() == null ? "all" : a.property();
          if (!property.equals("ro") && !property.equals("all")) {
            throw new InvalidArgumentException(
                "driver get " + property + ": btrfs subvolumes have the property ro only");
          }
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("name", a.name());
          row.put("property", "ro");
          row.put("value", Boolean.toString(s.readOnly()));
          row.put("source", "-");
          return List.of(row);
        }
        case "set", "inherit" ->
            throw new InvalidArgumentException(
                "driver "
                    + op
                    + " on subvolume "
                    + a.name()
                    + ": btrfs-sim keeps ro as containerd does (commit makes a snapshot"
                    + " read-only)");
        case "show" -> {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("path", s.path());
          row.put("Name", s.path());
          row.put("UUID", s.uuid().toString());
          row.put("Parent UUID", s.parentUuid() == null ? "-" : s.parentUuid().toString());
          row.put("Received UUID", "-");
          row.put("Creation time", driver.stat(a.name()).created().toString());
          row.put("Subvolume ID", s.id());
          row.put("Generation", s.generation());
          row.put("Gen at creation", s.createdGeneration());
          row.put("Parent ID", Subvolume.TOP_LEVEL);
          row.put("Top level ID", Subvolume.TOP_LEVEL);
          row.put("Flags", s.readOnly() ? "readonly" : "-");
          List<String> snapshots = new ArrayList<>();
          for (Map<String, Object> e : driver.nativeListing()) {
            if (s.uuid().toString().equals(e.get("parent_uuid"))) {
              snapshots.add((String) e.get("path"));
            }
          }
          row.put("Snapshot(s)", snapshots);
          return List.of(row);
        }
        default -> throw badOp(op);
      }
    }
    throw new InvalidArgumentException(
        "driver." + op + ": driver " + driver.name() + " has no properties");
  }

  /** {@code strata} or {@code strata/<id>} as given, else the dataset of a snapshot key. */
  private static String dataset(DatasetProperties zfs, String name) {
    if (name == null || name.equals("strata") || name.startsWith("strata/")) {
      return name == null ? "strata" : name;
    }
    return zfs.dataset(name);
  }

  private static List<Map<String, Object>> rows(List<PropertyValue> values) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (PropertyValue v : values) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", v.dataset());
      row.put("property", v.property());
      row.put("value", v.value());
      row.put("source", v.source());
      out.add(row);
    }
    return out;
  }

  private static InvalidArgumentException badOp(String op) {
    return new InvalidArgumentException(
        "driver.property: op '" + op + "' is not get, set, inherit or show");
  }
}
