package io.strata.store.image.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.error.InvalidArgumentException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Docker's environment replacement in a Dockerfile: {@code $NAME}, {@code ${NAME}}, {@code
 * ${NAME:-default}} and {@code ${NAME:+alternative}} in {@code COPY}, {@code ADD}, {@code ENV},
 * {@code LABEL}, {@code USER}, {@code WORKDIR}, {@code ARG}, {@code EXPOSE}, {@code VOLUME} and
 * {@code STOPSIGNAL} (and {@code FROM}, with the global ARGs), from the variables {@code ENV} set
 * so far (the base image's included) and the ARGs in scope ({@link BuildArguments}). An unset
 * variable is empty; {@code \$} and anything in single quotes stay literal. Values are replaced in
 * the instruction's text before it is split into words. {@code CMD} and {@code ENTRYPOINT} are left
 * alone: the shell expands them when the container runs.
 */
final class BuildVariables {
  private static final Set<String> EXPANDED =
      Set.of(
          "COPY",
          "ADD",
          "ENV",
          "LABEL",
          "USER",
          "WORKDIR",
          "ARG",
          "EXPOSE",
          "VOLUME",
          "STOPSIGNAL");

  private BuildVariables() {}

  /** The variables of an image config's {@code config.Env} ({@code NAME=value} entries). */
  static Map<String, String> of(ObjectNode config) {
    Map<String, String> vars = new HashMap<>();
    for (JsonNode e : config.path("config").path("Env")) {
      String kv = e.asText();
      int eq = kv.indexOf('=');
      if (eq > 0) {
        vars.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return vars;
  }

  /** {@code in} with its variables replaced, when its instruction takes them; else {@code in}. */
  static Instruction expand(Instruction in, Map<String, String> vars) {
    if (!EXPANDED.contains(in.keyword())) {
      return in;
    }
    List<String> json = null;
    if (in.json() != null) {
      json = new ArrayList<>();
      for (String w : in.json()) {
        json.add(expand(w, vars, in));
      }
    }
    return new Instruction(in.keyword(), expand(in.args(), vars, in), json, in.line());
  }

  /** {@code s} (a word of {@code in}, such as FROM's image) with its variables replaced. */
  static String expandWord(String s, Map<String, String> vars, Instruction in) {
    return expand(s, vars, in);
  }

  private static String expand(String s, Map<String, String> vars, Instruction in) {
    StringBuilder out = new StringBuilder(s.length());
    boolean singleQuoted = false;
    boolean doubleQuoted = false;
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '"' && !singleQuoted) {
        doubleQuoted = !doubleQuoted;
        out.append(c);
        i++;
      } else if (c == '\'' && !doubleQuoted) {
        singleQuoted = !singleQuoted;
        out.append(c);
        i++;
      } else if (singleQuoted) {
        out.append(c);
        i++;
      } else if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '$') {
        out.append('$');
        i += 2;
      } else if (c != '$' || i + 1 == s.length()) {
        out.append(c);
        i++;
      } else if (s.charAt(i + 1) == '{') {
        int end = s.indexOf('}', i + 2);
        if (end < 0) {
          throw new InvalidArgumentException(
              "Dockerfile line " + in.line() + ": missing '}' in " + s.substring(i));
        }
        out.append(braced(s.substring(i + 2, end), vars, in));
        i = end + 1;
      } else {
        int end = i + 1;
        while (end < s.length() && isNameChar(s.charAt(end), end == i + 1)) {
          end++;
        }
        if (end == i + 1) {
          out.append('$');
          i++;
        } else {
          out.append(vars.getOrDefault(s.substring(i + 1, end), ""));
          i = end;
        }
      }
    }
    return out.toString();
  }

  /** The inside of {@code ${...}}: a name, optionally with {@code :-word} or {@code :+word}. */
  private static String braced(String body, Map<String, String> vars, Instruction in) {
    int colon = body.indexOf(':');
    String name = colon < 0 ? body : body.substring(0, colon);
    if (name.isEmpty() || !isName(name)) {
      throw new InvalidArgumentException(
          "Dockerfile line " + in.line() + ": bad substitution ${" + body + "}");
    }
    String value = vars.get(name);
    if (colon < 0) {
      return value == null ? "" : value;
    }
    String op = body.length() > colon + 1 ? body.substring(colon, colon + 2) : ":";
    String word = body.length() > colon + 2 ? body.substring(colon + 2) : "";
    boolean set = value != null && !value.isEmpty();
    return switch (op) {
      case ":-" -> set ? value : word;
      case ":+" -> set ? word : "";
      default ->
          throw new InvalidArgumentException(
              "Dockerfile line "
                  + in.line()
                  + ": unsupported modifier in ${"
                  + body
                  + "} (use :- or :+)");
    };
  }

  static boolean isName(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!isNameChar(s.charAt(i), i == 0)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isNameChar(char c, boolean first) {
    return c == '_'
        || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (!first && c >= '0' && c <= '9');
  }
}
