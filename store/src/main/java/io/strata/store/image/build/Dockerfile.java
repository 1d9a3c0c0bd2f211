package io.strata.store.image.build;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.layer.JsonCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed Dockerfile: the {@code ARG}s before the first {@code FROM} (usable in {@code FROM}
 * lines) and the build stages, each a {@code FROM} and its instructions. Comments, parser
 * directives, line continuations with {@code \}, JSON and shell forms are read as Docker reads
 * them. {@code RUN}, heredocs and anything else Strata cannot build are refused naming the line.
 *
 * @param globalArgs the {@code ARG}s before the first {@code FROM}
 * @param stages the stages, in order
 */
record Dockerfile(List<Instruction> globalArgs, List<BuildStage> stages) {
  static final Set<String> SUPPORTED =
      Set.of(
          "FROM",
          "ARG",
          "COPY",
          "ADD",
          "ENV",
          "WORKDIR",
          "LABEL",
          "ENTRYPOINT",
          "CMD",
          "USER",
          "EXPOSE",
          "VOLUME",
          "STOPSIGNAL",
          "HEALTHCHECK",
          "SHELL",
          "ONBUILD",
          "MAINTAINER");

  /** Docker's rule for stage names ({@code FROM image AS name}). */
  private static final Pattern STAGE_NAME = Pattern.compile("[a-z][a-z0-9-_.]*");

  /** {@code <<EOF}, {@code <<-EOF}, {@code <<"EOF"}: the start of a heredoc. */
  private static final Pattern HEREDOC = Pattern.compile("<<-?[\"']?[A-Za-z_][A-Za-z0-9_]*");

  static Dockerfile parse(String text) {
    List<Instruction> all = instructions(text);
    List<Instruction> globals = new ArrayList<>();
    int i = 0;
    while (i < all.size() && all.get(i).keyword().equals("ARG")) {
      globals.add(all.get(i++));
    }
    if (i == all.size() || !all.get(i).keyword().equals("FROM")) {
      throw new InvalidArgumentException(
          "Dockerfile"
              + (i < all.size() ? " line " + all.get(i).line() : "")
              + ": the first instruction must be FROM (only ARG may come before it)");
    }
    List<BuildStage> stages = new ArrayList<>();
    Set<String> names = new HashSet<>();
    while (i < all.size()) {
      Instruction from = all.get(i++);
      List<Instruction> steps = new ArrayList<>();
      while (i < all.size() && !all.get(i).keyword().equals("FROM")) {
        steps.add(all.get(i++));
      }
      BuildStage s = BuildStage.of(from, stages.size(), steps);
      if (s.name() != null && !names.add(s.name())) {
        throw new InvalidArgumentException(
            "Dockerfile line " + from.line() + ": duplicate stage name " + s.name());
      }
      stages.add(s);
    }
    return new Dockerfile(List.copyOf(globals), List.copyOf(stages));
  }

  /** The stage named or numbered {@code nameOrIndex}, or null. */
  BuildStage stage(String nameOrIndex) {
    String n = nameOrIndex.toLowerCase(Locale.ROOT);
    for (BuildStage s : stages) {
      if (n.equals(s.name()) || n.equals(Integer.toString(s.index()))) {
        return s;
      }
    }
    return null;
  }

  static boolean isStageName(String s) {
    return STAGE_NAME.matcher(s).matches();
  }

  private static List<Instruction> instructions(String text) {
    List<Instruction> out = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    int i = directives(lines);
    for (; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int start = i + 1;
      StringBuilder joined = new StringBuilder();
      while (line.endsWith("\\")) {
        joined.append(line, 0, line.length() - 1);
        line = "";
        while (++i < lines.length) {
          String next = lines[i].strip();
          if (!next.startsWith("#") && !next.isEmpty()) {
            line = next;
            break;
          }
        }
      }
      joined.append(line);
      out.add(instruction(joined.toString().strip(), start));
    }
    if (out.isEmpty()) {
      throw new InvalidArgumentException("Dockerfile: no instructions (it needs at least FROM)");
    }
    return out;
  }

  /**
   * Skips the parser directives at the top ({@code # syntax=...}, {@code # escape=...}, {@code #
   * check=...}): {@code syntax} and {@code check} name frontends and linters Strata has no use for;
   * an escape character other than {@code \} is refused, since every line would read differently.
   * Returns the first line after them.
   */
  private static int directives(String[] lines) {
    Pattern directive = Pattern.compile("#\\s*([a-zA-Z]+)\\s*=\\s*(\\S*)\\s*");
    int i = 0;
    for (; i < lines.length; i++) {
      var m = directive.matcher(lines[i].strip());
      if (!m.matches()) {
        break;
      }
      if (m.group(1).equalsIgnoreCase("escape") && !m.group(2).equals("\\")) {
        throw new InvalidArgumentException(
            "Dockerfile line "
                + (i + 1)
                + ": the escape directive "
                + m.group(2)
                + " is not supported (only \\)");
      }
    }
    return i;
  }

  /** One instruction from its joined text, checked for what Strata can build. */
  static Instruction instruction(String s, int line) {
    int sp = indexOfSpace(s);
    String keyword = (sp < 0 ? s : s.substring(0, sp)).toUpperCase(Locale.ROOT);
    String args = sp < 0 ? "" : s.substring(sp).strip();
    if (keyword.equals("RUN")) {
      throw new InvalidArgumentException(
          "RUN is not supported: Strata stores images, it does not execute them (Dockerfile line "
              + line
              + ")");
    }
    if (!SUPPORTED.contains(keyword)) {
      throw new InvalidArgumentException(
          "Dockerfile line " + line + ": instruction " + keyword + " is not supported");
    }
    if (args.isEmpty()) {
      throw new InvalidArgumentException(
          "Dockerfile line " + line + ": " + keyword + " needs arguments");
    }
    if ((keyword.equals("COPY") || keyword.equals("ADD")) && HEREDOC.matcher(args).find()) {
      throw new InvalidArgumentException(
          "Dockerfile line "
              + line
              + ": heredocs ("
              + keyword
              + " <<EOF) are not supported; put the text in a file of the build context");
    }
    if (keyword.equals("ONBUILD")) {
      String inner = Dockerfile.words(args).get(0).toUpperCase(Locale.ROOT);
      if (inner.equals("ONBUILD") || inner.equals("FROM") || inner.equals("MAINTAINER")) {
        throw new InvalidArgumentException(
            "Dockerfile line " + line + ": ONBUILD " + inner + " is not allowed");
      }
    }
    return new Instruction(keyword, args, json(args), line);
  }

  private static List<String> json(String args) {
    if (!args.startsWith("[")) {
      return null;
    }
    try {
      JsonNode n = JsonCodec.MAPPER.readTree(args);
      if (!n.isArray()) {
        return null;
      }
      List<String> out = new ArrayList<>();
      for (JsonNode e : n) {
        if (!e.isTextual()) {
          return null;
        }
        out.add(e.asText());
      }
      return out;
    } catch (IOException e) {
      return null; // not JSON: the shell form, as Docker reads it
    }
  }

  private static int indexOfSpace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /** Splits shell-form words on whitespace, honouring double and single quotes. */
  static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    char quote = 0;
    boolean any = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          w.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
        any = true;
      } else if (c == '\\' && i + 1 < s.length()) {
        w.append(s.charAt(++i));
        any = true;
      } else if (Character.isWhitespace(c)) {
        if (any || w.length() > 0) {
          out.add(w.toString());
          w.setLength(0);
          any = false;
        }
      } else {
        w.append(c);
      }
    }
    if (any || w.length() > 0) {
      out.add(w.toString());
    }
    return out;
  }
}
