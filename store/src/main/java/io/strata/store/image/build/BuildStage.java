package io.strata.store.image.build;

import io.strata.store.error.InvalidArgumentException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One stage of a Dockerfile: {@code FROM [--platform=P] BASE [AS NAME]} and the instructions up to
 * the next {@code FROM}.
 *
 * @param from the FROM instruction
 * @param index the stage's number, from 0 (what {@code COPY --from=0} names)
 * @param base the base as written (an image, {@code scratch} or an earlier stage; variables are
 *     replaced with the global ARGs when the stage starts)
 * @param platform the {@code --platform} value as written, or null
 * @param name the stage's name, lower case, or null
 * @param steps the instructions after FROM
 */
record BuildStage(
    Instruction from,
    int index,
    String base,
    String platform,
    String name,
    List<Instruction> steps) {

  static BuildStage of(Instruction from, int index, List<Instruction> steps) {
    List<String> words = new ArrayList<>(Dockerfile.words(from.args()));
    String platform = null;
    while (!words.isEmpty() && words.get(0).startsWith("--")) {
      String flag = words.remove(0);
      if (!flag.startsWith("--platform=")) {
        throw new InvalidArgumentException(
            "Dockerfile line " + from.line() + ": FROM flag " + flag + " is not supported");
      }
      platform = flag.substring("--platform=".length());
    }
    String name = null;
    if (words.size() == 3 && words.get(1).equalsIgnoreCase("AS")) {
      name = words.get(2).toLowerCase(Locale.ROOT);
      if (!Dockerfile.isStageName(name)) {
        throw new InvalidArgumentException(
            "Dockerfile line "
                + from.line()
                + ": stage name "
                + words.get(2)
                + " is not valid (a letter, then letters, digits, '-', '_' or '.')");
      }
    } else if (words.size() != 1) {
      throw new InvalidArgumentException(
          "Dockerfile line " + from.line() + ": expected FROM IMAGE [AS NAME], got " + from.text());
    }
    return new BuildStage(from, index, words.get(0), platform, name, List.copyOf(steps));
  }

  /**
   * The stages this one reads, by the names or numbers in {@code FROM} and {@code COPY --from}; a
   * {@code --from} with a variable in it may name any earlier stage, so it counts them all.
   */
  Set<BuildStage> dependencies(Dockerfile file) {
    Set<BuildStage> out = new HashSet<>();
    addReference(base, file, out);
    for (Instruction in : steps) {
      if (!in.keyword().equals("COPY") && !in.keyword().equals("ADD")) {
        continue;
      }
      List<String> args = in.json() != null ? in.json() : Dockerfile.words(in.args());
      for (String a : args) {
        if (!a.startsWith("--")) {
          break;
        }
        if (a.startsWith("--from=")) {
          addReference(a.substring("--from=".length()), file, out);
        }
      }
    }
    return out;
  }

  private void addReference(String ref, Dockerfile file, Set<BuildStage> out) {
    if (ref.contains("$")) {
      out.addAll(file.stages().subList(0, index));
      return;
    }
    BuildStage s = file.stage(ref);
    if (s != null && s.index() < index) {
      out.add(s);
    }
  }
}
