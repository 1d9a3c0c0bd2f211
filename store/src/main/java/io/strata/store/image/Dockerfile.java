package io.strata.store.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Parses the Dockerfile subset Strata builds: {@code FROM scratch|IMAGE}, {@code COPY}, {@code
 * ADD}, {@code ENV}, {@code WORKDIR}, {@code LABEL}, {@code ENTRYPOINT}, {@code CMD}, {@code USER};
 * comments, line continuations with {@code \}, JSON and shell forms. {@code RUN} and everything
 * else is refused naming the instruction and its line.
 */
final class Dockerfile {
  static final Set<String> SUPPORTED =
      Set.of("FROM", "COPY", "ADD", "ENV", "WORKDIR", "LABEL", "ENTRYPOINT", "CMD", "USER");

  private Dockerfile() {}

  static List<Instruction> parse(String text) {
    List<Instruction> out = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
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
    if (out.isEmpty() || !out.get(0).keyword().equals("FROM")) {
      throw new InvalidArgumentException("Dockerfile: the first instruction must be FROM");
    }
    for (Instruction in : out.subList(1, out.size())) {
      if (in.keyword().equals("FROM")) {
        throw new InvalidArgumentException(
            "Dockerfile line "
                + in.line()
                + ": multi-stage builds (a second FROM) are not supported");
      }
    }
    return out;
  }

  private static Instruction instruction(String s, int line) {
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
