package io.strata.store.image.build;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The images a build names, found before it runs, so that the server can pull those it must fetch
 * from a registry without holding the image store while the network works: the bases of the needed
 * stages' {@code FROM} lines (variables replaced with the global ARGs and {@code --build-arg}s, as
 * the build replaces them) and the images of their {@code COPY --from}. Not named here, as the run
 * decides them: {@code scratch}, earlier stages, and a {@code COPY --from} with a variable in it
 * (its value may come from the base's {@code ENV}, known only once the stage runs).
 */
public final class NamedImages {
  private NamedImages() {}

  /**
   * One image reference of the Dockerfile.
   *
   * @param ref the reference as the build will resolve it
   * @param line the Dockerfile line that names it first
   * @param instruction {@code FROM} or {@code COPY --from}, for messages
   */
  public record Named(String ref, int line, String instruction) {
    /** {@code Dockerfile line N: FROM REF}, how messages about it start. */
    public String what() {
      return "Dockerfile line "
          + line
          + ": "
          + instruction
          + (instruction.equals("FROM") ? " " : "=")
          + ref;
    }
  }

  /**
   * The images {@code dockerfile} names in the stages that {@code options} builds, each once, in
   * Dockerfile order. Refuses a Dockerfile the build would refuse ({@link
   * io.strata.store.error.InvalidArgumentException}).
   */
  public static List<Named> of(String dockerfile, BuildOptions options) {
    Dockerfile file = Dockerfile.parse(dockerfile);
    BuildArguments args = new BuildArguments(options.buildArgs());
    for (Instruction arg : file.globalArgs()) {
      args.declareGlobal(arg);
    }
    List<Named> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (BuildStage s : ImageBuilder.needed(file, ImageBuilder.target(file, options))) {
      String base = BuildVariables.expandWord(s.base(), args.globals(), s.from());
      BuildStage earlier = file.stage(base);
      boolean stage = earlier != null && earlier.index() < s.index();
      if (!base.isEmpty() && !base.equals("scratch") && !stage && seen.add(base)) {
        out.add(new Named(base, s.from().line(), "FROM"));
      }
      for (Instruction in : s.steps()) {
        String ref = copyFrom(in);
        if (ref != null && !ref.contains("$") && file.stage(ref) == null && seen.add(ref)) {
          out.add(new Named(ref, in.line(), "COPY --from"));
        }
      }
    }
    return out;
  }

  /** The value of a COPY's {@code --from=} flag, or null. */
  private static String copyFrom(Instruction in) {
    if (!in.keyword().equals("COPY")) {
      return null;
    }
    List<String> words = in.json() != null ? in.json() : Dockerfile.words(in.args());
    for (String w : words) {
      if (!w.startsWith("--")) {
        return null;
      }
      if (w.startsWith("--from=") && w.length() > "--from=".length()) {
        return w.substring("--from=".length());
      }
    }
    return null;
  }
}
