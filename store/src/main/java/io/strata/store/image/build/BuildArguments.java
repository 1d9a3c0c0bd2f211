package io.strata.store.image.build;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.layer.ImageConfigs;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The values of a build's {@code ARG}s, with Docker's scoping: an {@code ARG} before the first
 * {@code FROM} is global and usable in {@code FROM} lines; inside a stage an {@code ARG} is in
 * scope from its line to the end of the stage, its value the {@code --build-arg} given for it, else
 * its default, else (declared without one) the global of that name. {@code ENV} of the same name
 * wins over an {@code ARG} (see {@link #variables}). The proxy arguments are predefined (no {@code
 * ARG} needed to pass them), and so is BuildKit's {@code SOURCE_DATE_EPOCH}; the platform ones
 * ({@code TARGETARCH}, {@code BUILDPLATFORM}, ...) are global values a stage takes with {@code ARG
 * NAME}, as BuildKit defines them.
 */
final class BuildArguments {
  /** BuildKit's argument for reproducible builds: the time every history row and config gets. */
  static final String SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH";

  static final Set<String> PREDEFINED =
      Set.of(
          "HTTP_PROXY",
          "http_proxy",
          "HTTPS_PROXY",
          "https_proxy",
          "FTP_PROXY",
          "ftp_proxy",
          "NO_PROXY",
          "no_proxy",
          "ALL_PROXY",
          "all_proxy",
          SOURCE_DATE_EPOCH);

  private final Map<String, String> given;
  private final Set<String> consumed = new HashSet<>();
  private final Map<String, String> globals = new HashMap<>();
  private Map<String, String> stage = new HashMap<>();

  BuildArguments(Map<String, String> given) {
    this.given = Map.copyOf(given);
    String arch = ImageConfigs.hostArchitecture();
    for (String side : List.of("TARGET", "BUILD")) {
      globals.put(side + "PLATFORM", "linux/" + arch);
      globals.put(side + "OS", "linux");
      globals.put(side + "ARCH", arch);
      globals.put(side + "VARIANT", "");
    }
  }

  /**
   * The time {@code --build-arg SOURCE_DATE_EPOCH=SECONDS} fixes for every row the build writes
   * (RFC 3339), or null when it is not given.
   */
  String fixedCreated() {
    String v = given.get(SOURCE_DATE_EPOCH);
    if (v == null) {
      return null;
    }
    try {
      return Instant.ofEpochSecond(Long.parseLong(v.strip())).toString();
    } catch (NumberFormatException | DateTimeException e) {
      throw new InvalidArgumentException(
          "--build-arg SOURCE_DATE_EPOCH=" + v + ": expected whole seconds since 1970", e);
    }
  }

  /** Declares the global {@code ARG}s (those before the first FROM). */
  void declareGlobal(Instruction arg) {
    Instruction in = BuildVariables.expand(arg, globals);
    for (String[] kv : declarations(in)) {
      String v = value(kv, globals.get(kv[0]));
      if (v != null) {
        globals.put(kv[0], v);
      }
    }
  }

  /** The global values, for {@code FROM} lines. */
  Map<String, String> globals() {
    return globals;
  }

  /** A new stage starts: no stage ARG is in scope. */
  void startStage() {
    stage = new HashMap<>();
  }

  /**
   * Declares a stage's {@code ARG} (its defaults expanded with {@code vars}, the stage's variables
   * so far); returns the instruction with the values it takes, for the cache key.
   */
  String declare(Instruction arg, Map<String, String> vars) {
    Instruction in = BuildVariables.expand(arg, vars);
    StringBuilder resolved = new StringBuilder("ARG");
    for (String[] kv : declarations(in)) {
      String v = value(kv, globals.get(kv[0]));
      if (v != null) {
        stage.put(kv[0], v);
      }
      resolved.append(' ').append(kv[0]).append(v == null ? "" : "=" + v);
    }
    return resolved.toString();
  }

  /** The variables a stage's instruction sees: its ARGs, then the config's ENV over them. */
  Map<String, String> variables(Map<String, String> env) {
    Map<String, String> out = new HashMap<>(stage);
    out.putAll(env);
    return out;
  }

  /** {@code --build-arg}s that no ARG declared and that are not predefined, sorted. */
  Set<String> unconsumed() {
    Set<String> out = new TreeSet<>(given.keySet());
    out.removeAll(consumed);
    out.removeAll(PREDEFINED);
    return out;
  }

  private String value(String[] kv, String inherited) {
    if (given.containsKey(kv[0])) {
      consumed.add(kv[0]);
      return given.get(kv[0]);
    }
    return kv[1] != null ? kv[1] : inherited;
  }

  /** {@code NAME} or {@code NAME=default}, one or more. */
  private static List<String[]> declarations(Instruction in) {
    List<String> words = Dockerfile.words(in.args());
    return words.stream()
        .map(
            w -> {
              int eq = w.indexOf('=');
              String name = eq < 0 ? w : w.substring(0, eq);
              if (!BuildVariables.isName(name)) {
                throw new InvalidArgumentException(
                    "Dockerfile line " + in.line() + ": ARG name " + name + " is not valid");
              }
              return new String[] {name, eq < 0 ? null : w.substring(eq + 1)};
            })
        .toList();
  }
}
