package io.strata.store.container;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.fs.PathNames;
import io.strata.store.volume.VolumeStore;
import java.util.Set;

/**
 * One mount of a container, parsed from Docker's {@code -v} or {@code --mount} syntax and kept in
 * the container's config.
 *
 * @param type {@code volume} or {@code bind}
 * @param source the volume's name or the bind source on the server's host; empty for an anonymous
 *     volume not yet made (a stored config always names it)
 * @param target the absolute path in the container, in normal form
 * @param readOnly whether writes are refused
 * @param anonymous whether the volume was made for this container ({@code rm -v} removes it)
 * @param noCopy whether a new, empty volume stays empty rather than being filled with what the
 *     image holds at {@code target} ({@code nocopy}, {@code volume-nocopy}); absent in records
 *     written before it existed: false
 * @param resolvedTarget where the mount is in the container's names: {@code target} with the
 *     symlinks on its way followed at create, as runc resolves a mount's destination (the target
 *     itself when none; records written before it existed: the target)
 */
public record Mount(
    String type,
    String source,
    String target,
    boolean readOnly,
    boolean anonymous,
    boolean noCopy,
    String resolvedTarget) {
  public static final String VOLUME = "volume";
  public static final String BIND = "bind";

  private static final Set<String> IGNORED_MODES =
      Set.of(
          "z",
          "Z",
          "private",
          "rprivate",
          "shared",
          "rshared",
          "slave",
          "rslave",
          "consistent",
          "cached",
          "delegated");

  public Mount {
    if (!type.equals(VOLUME) && !type.equals(BIND)) {
      throw new InvalidArgumentException("mount type '" + type + "' is not supported");
    }
    target = target(target);
    resolvedTarget = resolvedTarget == null ? target : target(resolvedTarget);
  }

  /** A mount at its target as given (not yet resolved through symlinks). */
  public Mount(
      String type,
      String source,
      String target,
      boolean readOnly,
      boolean anonymous,
      boolean noCopy) {
    this(type, source, target, readOnly, anonymous, noCopy, null);
  }

  /** A mount whose new volume is filled from the image (the default, as Docker's). */
  public Mount(String type, String source, String target, boolean readOnly, boolean anonymous) {
    this(type, source, target, readOnly, anonymous, false);
  }

  /** This mount with its anonymous volume named {@code name}. */
  Mount named(String name) {
    return new Mount(type, name, target, readOnly, anonymous, noCopy, resolvedTarget);
  }

  /** This mount at {@code path}, its target resolved through symlinks. */
  Mount resolvedTo(String path) {
    return new Mount(type, source, target, readOnly, anonymous, noCopy, path);
  }

  /**
   * Parses {@code -v} / {@code --volume}: {@code /target[:MODE]} (anonymous volume), {@code
   * NAME:/target[:MODE]} (named volume) or {@code /host/dir:/target[:MODE]} (bind), MODE being a
   * comma-separated list of {@code ro}, {@code rw}, {@code nocopy} (a new volume is not filled from
   * the image) and the SELinux and propagation modes Docker accepts (kept for compatibility,
   * without effect here).
   */
  public static Mount ofVolumeFlag(String spec) {
    String[] parts = spec.split(":", -1);
    if (spec.isEmpty() || parts.length > 3) {
      throw new InvalidArgumentException("invalid volume specification: '" + spec + "'");
    }
    if (parts.length == 1) {
      return new Mount(VOLUME, "", parts[0], false, true);
    }
    // /target:MODE is an anonymous volume with a mode, as Docker reads it (/src:/dst is a bind)
    boolean anonymous = parts.length == 2 && parts[0].startsWith("/") && !parts[1].startsWith("/");
    String modes = anonymous ? parts[1] : parts.length == 3 ? parts[2] : null;
    boolean ro = false;
    boolean noCopy = false;
    if (modes != null) {
      for (String m : modes.split(",", -1)) {
        if (m.equals("ro")) {
          ro = true;
        } else if (m.equals("nocopy")) {
          noCopy = true;
        } else if (!m.equals("rw") && !IGNORED_MODES.contains(m)) {
          throw new InvalidArgumentException(
              "invalid volume specification: '" + spec + "': invalid mode: " + modes);
        }
      }
    }
    if (anonymous) {
      return new Mount(VOLUME, "", parts[0], ro, true, noCopy);
    }
    String source = parts[0];
    if (source.isEmpty()) {
      throw new InvalidArgumentException("invalid volume specification: '" + spec + "'");
    }
    if (source.startsWith("/")) {
      return new Mount(BIND, source, parts[1], ro, false); // never filled: nocopy is moot
    }
    try {
      VolumeStore.checkName(source);
    } catch (InvalidArgumentException e) {
      throw new InvalidArgumentException(
          "invalid volume specification: '"
              + spec
              + "': \""
              + source
              + "\" includes invalid characters for a local volume name; to bind a host"
              + " directory, give its absolute path",
          e);
    }
    return new Mount(VOLUME, source, parts[1], ro, false, noCopy);
  }

  /**
   * Parses {@code --mount}: comma-separated {@code key=value} fields: {@code type} ({@code volume},
   * the default, or {@code bind}), {@code source}/{@code src}, {@code target}/{@code
   * destination}/{@code dst}, {@code readonly}/{@code ro} and {@code volume-nocopy} (bare, or
   * {@code =true|false|1|0}), and {@code bind-propagation}, {@code consistency} (accepted, without
   * effect).
   */
  public static Mount ofMountFlag(String spec) {
    String type = VOLUME;
    String source = "";
    String target = null;
    boolean ro = false;
    boolean noCopy = false;
    for (String field : spec.split(",", -1)) {
      int eq = field.indexOf('=');
      String key = (eq < 0 ? field : field.substring(0, eq)).trim().toLowerCase();
      String value = eq < 0 ? null : field.substring(eq + 1);
      switch (key) {
        case "type" -> type = required(spec, key, value);
        case "source", "src" -> source = required(spec, key, value);
        case "target", "destination", "dst" -> target = required(spec, key, value);
        case "readonly", "ro" -> ro = flag(spec, key, value);
        case "volume-nocopy" -> noCopy = flag(spec, key, value);
        case "bind-propagation", "consistency" -> {}
        default ->
            throw new InvalidArgumentException(
                "invalid argument \"" + spec + "\" for --mount: unexpected key '" + key + "'");
      }
    }
    if (!type.equals(VOLUME) && !type.equals(BIND)) {
      throw new InvalidArgumentException(
          "invalid argument \"" + spec + "\" for --mount: type '" + type + "' is not supported");
    }
    if (target == null) {
      throw new InvalidArgumentException(
          "invalid argument \"" + spec + "\" for --mount: target is required");
    }
    if (type.equals(BIND)) {
      if (!source.startsWith("/")) {
        throw new InvalidArgumentException(
            "invalid argument \""
                + spec
                + "\" for --mount: a bind mount needs an absolute source path");
      }
      return new Mount(BIND, source, target, ro, false);
    }
    if (!source.isEmpty()) {
      VolumeStore.checkName(source);
    }
    return new Mount(VOLUME, source, target, ro, source.isEmpty(), noCopy);
  }

  private static String required(String spec, String key, String value) {
    if (value == null || value.isEmpty()) {
      throw new InvalidArgumentException(
          "invalid argument \"" + spec + "\" for --mount: " + key + " needs a value");
    }
    return value;
  }

  private static boolean flag(String spec, String key, String value) {
    if (value == null) {
      return true;
    }
    return switch (value.toLowerCase()) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default ->
          throw new InvalidArgumentException(
              "invalid argument \""
                  + spec
                  + "\" for --mount: "
                  + key
                  + "="
                  + value
                  + " is not a boolean");
    };
  }

  private static String target(String t) {
    if (t == null || !t.startsWith("/")) {
      throw new InvalidArgumentException(
          "invalid mount target '" + t + "': mount path must be absolute");
    }
    String n = PathNames.normalize(t);
    if (n.equals("/")) {
      throw new InvalidArgumentException("invalid mount target '" + t + "': it cannot be '/'");
    }
    return n;
  }
}
