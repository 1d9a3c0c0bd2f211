package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.HostPort;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The quick path of the commonest read-only commands ({@code ps}, {@code container ls}, {@code
 * images}, {@code image ls}, {@code version}), run without picocli and without jackson-databind,
 * whose starts are most of such a command's time (docs/PERF.md, "CLI startup"). It takes only
 * argument vectors of a grammar it understands whole, and runs them through the very methods the
 * picocli commands run ({@link ContainerListCommand#list}, {@link ImageListCommand#list}, {@link
 * VersionCommand#show}, {@link Failure}), so that what they print and exit with is the same; for
 * any other vector ({@code --json}, {@code --help}, an unknown option, a repeated one, a {@code
 * label} filter, a template with {@code json}, ...) it answers {@link #NOT_MINE} and picocli runs
 * it.
 */
public final class QuickCommand {
  /** {@link #run}'s answer for a vector it leaves to picocli. */
  public static final int NOT_MINE = -1;

  private enum Kind {
    CONTAINERS,
    IMAGES,
    VERSION
  }

  private Kind kind;

  /** The command's qualified name, as picocli's usage errors name it. */
  private String name;

  private String host;
  private Path tokenFile;
  private String repository;
  private String versionFormat;
  private final ListingOptions listing = new ListingOptions();

  /** The options given, by their long names: picocli refuses a repeated one. */
  private final Set<String> given = new HashSet<>();

  private QuickCommand() {}

  /**
   * Runs {@code args} against {@code terminal} if they are the quick path's and returns the exit
   * code; else, having done nothing, {@link #NOT_MINE}.
   */
  public static int run(String[] args, Terminal terminal) {
    QuickCommand q = parse(args, terminal.env());
    return q == null ? NOT_MINE : q.execute(terminal);
  }

  /** Whether {@link #run} takes {@code args} under the environment {@code env}. */
  static boolean takes(String[] args, Map<String, String> env) {
    return parse(args, env) != null;
  }

  /** The command {@code args} ask for, or null when they are not all of the quick grammar. */
  private static QuickCommand parse(String[] args, Map<String, String> env) {
    QuickCommand q = new QuickCommand();
    for (int i = 0; i < args.length; i++) {
      int took = q.global(args, i);
      if (took == 0) {
        took = q.kind == null ? q.command(args, i) : q.option(args, i);
      }
      if (took == 0) {
        return null;
      }
      i += took - 1;
    }
    if (q.kind == null) {
      return null;
    }
    try {
      Connect.target(q.host, env); // a bad --host or STRATA_HOST: picocli's usage error
    } catch (IllegalArgumentException e) {
      return null;
    }
    return q;
  }

  /**
   * Takes the global option at {@code args[i]} ({@code --host}, {@code --token-file}, either with
   * its value after {@code =}); returns the arguments it took, 0 for none.
   */
  private int global(String[] args, int i) {
    String value = valueOf(args, i, "--host");
    if (value != null && once("--host")) {
      host = value;
      return args[i].equals("--host") ? 2 : 1;
    }
    value = valueOf(args, i, "--token-file");
    if (value != null && once("--token-file")) {
      try {
        tokenFile = Path.of(value);
      } catch (InvalidPathException e) {
        return 0;
      }
      return args[i].equals("--token-file") ? 2 : 1;
    }
    return 0;
  }

  /** Takes the command's words at {@code args[i]}; returns how many, 0 for no quick command. */
  private int command(String[] args, int i) {
    String next = i + 1 < args.length ? args[i + 1] : "";
    switch (args[i]) {
      case "ps" -> {
        return command(Kind.CONTAINERS, "strata ps", 1);
      }
      case "images" -> {
        return command(Kind.IMAGES, "strata images", 1);
      }
      case "version" -> {
        return command(Kind.VERSION, "strata version", 1);
      }
      case "container" -> {
        return List.of("ls", "ps", "list").contains(next)
            ? command(Kind.CONTAINERS, "strata container ls", 2)
            : 0;
      }
      case "image" -> {
        return List.of("ls", "list").contains(next)
            ? command(Kind.IMAGES, "strata image ls", 2)
            : 0;
      }
      default -> {
        return 0;
      }
    }
  }

  private int command(Kind k, String qualifiedName, int words) {
    kind = k;
    name = qualifiedName;
    return words;
  }

  /** Takes the command's option at {@code args[i]}; returns how many arguments, 0 for none. */
  private int option(String[] args, int i) {
    String a = args[i];
    String format = valueOf(args, i, "--format");
    if (kind == Kind.VERSION && format == null) {
      format = valueOf(args, i, "-f");
    }
    if (format != null) {
      // json (and {{json .}}) is Jackson's to write: picocli's path, which starts it anyway
      if (format.contains("json") || !once("--format")) {
        return 0;
      }
      if (kind == Kind.VERSION) {
        versionFormat = format;
      } else {
        listing.format = format;
      }
      return a.contains("=") ? 1 : 2;
    }
    if (kind == Kind.VERSION) {
      return 0;
    }
    String filter = valueOf(args, i, "--filter");
    if (filter == null) {
      filter = valueOf(args, i, "-f");
    }
    if (filter != null) {
      // label filters inspect each container: a reply this path does not read
      if (filter.equals("label") || filter.startsWith("label=")) {
        return 0;
      }
      listing.filters.add(filter);
      return a.startsWith("--filter=") ? 1 : 2;
    }
    if (kind == Kind.IMAGES && !a.isEmpty() && !a.startsWith("-") && repository == null) {
      repository = a;
      return 1;
    }
    return flags(a) ? 1 : 0;
  }

  /** Takes {@code a} if it is flags of the command: {@code -q}, {@code --no-trunc}, {@code -aq}. */
  private boolean flags(String a) {
    String longName =
        switch (a) {
          case "--quiet" -> "-q";
          case "--no-trunc" -> "--no-trunc";
          case "--all" -> "-a";
          case "--size" -> kind == Kind.CONTAINERS ? "-s" : null;
          default -> null;
        };
    if (longName != null) {
      return flag(longName);
    }
    if (!a.startsWith("-") || a.startsWith("--") || a.length() < 2) {
      return false;
    }
    for (char c : a.substring(1).toCharArray()) {
      boolean known = c == 'q' || c == 'a' || (c == 's' && kind == Kind.CONTAINERS);
      if (!known || !flag("-" + c)) {
        return false;
      }
    }
    return true;
  }

  /** Sets the flag {@code f}, unless given before; whether it was new. */
  private boolean flag(String f) {
    if (!once(f)) {
      return false;
    }
    switch (f) {
      case "-q" -> listing.quiet = true;
      case "--no-trunc" -> listing.noTrunc = true;
      default -> {
        // -a, -s: accepted for docker's sake, they change nothing
      }
    }
    return true;
  }

  /** Whether option {@code o} is new to this vector; records it. */
  private boolean once(String o) {
    return given.add(o);
  }

  /**
   * The value of option {@code option} at {@code args[i]}, as {@code option VALUE} or {@code
   * --option=VALUE}; null if {@code args[i]} is not it or its value is empty or looks like an
   * option (picocli's to judge).
   */
  private static String valueOf(String[] args, int i, String option) {
    String value = null;
    if (args[i].equals(option) && i + 1 < args.length) {
      value = args[i + 1];
    } else if (option.startsWith("--") && args[i].startsWith(option + "=")) {
      value = args[i].substring(option.length() + 1);
    }
    return value == null || value.isEmpty() || value.startsWith("-") ? null : value;
  }

  /** Runs the command parsed; returns its exit code. */
  private int execute(Terminal terminal) {
    Map<String, String> env = terminal.env();
    try {
      HostPort target = Connect.target(host, env);
      if (kind == Kind.VERSION) {
        return VersionCommand.show(
            terminal.out(),
            false,
            versionFormat,
            () -> Connect.client(target, tokenFile, env, true));
      }
      try (StrataClient client = Connect.client(target, tokenFile, env, true)) {
        return kind == Kind.CONTAINERS
            ? ContainerListCommand.list(client, listing, terminal.out(), false)
            : ImageListCommand.list(client, listing, repository, terminal.out(), false);
      }
    } catch (UsageError e) {
      return Failure.usage(terminal, name, e.getMessage(), List.of(), false);
    } catch (Exception e) {
      return Failure.report(e, terminal, false, false);
    } finally {
      terminal.out().flush();
    }
  }
}
