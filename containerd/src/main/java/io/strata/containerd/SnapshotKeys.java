package io.strata.containerd;

/**
 * containerd's snapshot keys in the storage driver's key space: key {@code K} of namespace {@code
 * N} is driver key {@code ctrd/N/K}; calls without a namespace header (containerd's own, whose keys
 * already carry its namespace) use {@code N = _}. Namespaces are identifiers (no {@code /}), so the
 * mapping is one to one and no key of one namespace can name a snapshot of another or one outside
 * {@code ctrd/} (image layers, containers). The driver refuses keys past 4 KiB or with control
 * characters (INVALID_ARGUMENT); errors name keys as containerd sent them ({@link
 * ErrorCodes#containerdKeys}).
 */
public final class SnapshotKeys {
  /** The driver keys of every containerd snapshot start with this. */
  public static final String PREFIX = "ctrd/";

  private SnapshotKeys() {}

  /** The driver-key prefix of namespace {@code namespace}. */
  public static String prefix(String namespace) {
    return PREFIX + namespace + "/";
  }

  /** The driver key of containerd key {@code key} in {@code namespace}. */
  public static String driverKey(String namespace, String key) {
    if (key == null || key.isEmpty()) {
      throw ErrorCodes.invalid("snapshot key must not be empty");
    }
    return prefix(namespace) + key;
  }

  /** The containerd key of {@code driverKey} in {@code namespace}, or null if it is not one. */
  public static String containerdKey(String namespace, String driverKey) {
    String p = prefix(namespace);
    return driverKey != null && driverKey.startsWith(p) ? driverKey.substring(p.length()) : null;
  }
}
