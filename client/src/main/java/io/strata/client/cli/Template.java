package io.strata.client.cli;

import io.strata.protocol.message.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of Go's text/template that {@code docker ... --format} users write: literal text with
 * {@code {{.Field}}}, {@code {{json .Field}}} and {@code {{json .}}} actions; {@code \t} and {@code
 * \n} in the text stand for a tab and a newline, as docker's formatter reads them. Anything else in
 * braces is refused, naming it, rather than printed wrong.
 */
final class Template {
  private static final Pattern ACTION = Pattern.compile("\\{\\{\\s*(.*?)\\s*}}");
  private static final Pattern FIELD =
      Pattern.compile("(json\\s+)?\\.([A-Za-z][A-Za-z0-9]*(?:\\.[A-Za-z][A-Za-z0-9]*)*)?");

  private final List<Function<Map<String, Object>, String>> parts = new ArrayList<>();

  /** Parses {@code text}; {@code fields} are the names a row has, for the error message. */
  Template(String text, List<String> fields) {
    String t = text.replace("\\t", "\t").replace("\\n", "\n");
    Matcher m = ACTION.matcher(t);
    int at = 0;
    List<String> literals = new ArrayList<>();
    while (m.find()) {
      String literal = t.substring(at, m.start());
      literals.add(literal);
      parts.add(row -> literal);
      Matcher f = FIELD.matcher(m.group(1));
      if (!f.matches()) {
        throw new IllegalArgumentException(
            "--format "
                + text
                + ": {{"
                + m.group(1)
                + "}} is not supported; use {{.Field}} or"
                + " {{json .}}");
      }
      boolean json = f.group(1) != null;
      String field = f.group(2);
      if (field != null && !fields.contains(field.split("\\.")[0])) {
        throw new IllegalArgumentException(
            "--format "
                + text
                + ": no field ."
                + field
                + "; fields: ."
                + String.join(", .", fields));
      }
      if (field == null) {
        parts.add(Template::json); // {{json .}} and {{.}}: the whole row
      } else if (json) {
        parts.add(row -> json(lookup(row, field)));
      } else {
        parts.add(
            row -> {
              Object v = lookup(row, field);
              return v == null
                  ? "<no value>"
                  : v instanceof Map || v instanceof List ? json(v) : String.valueOf(v);
            });
      }
      at = m.end();
    }
    String rest = t.substring(at);
    literals.add(rest);
    parts.add(row -> rest);
    for (String literal : literals) {
      // an action opened in the text never closed (AA3): Go's templates refuse it, and printed as
      // text it would pass for output with exit 0
      if (literal.contains("{{")) {
        throw new IllegalArgumentException(
            "--format " + text + ": template parsing error: unclosed action");
      }
    }
  }

  /** The text for {@code row}. */
  String apply(Map<String, Object> row) {
    StringBuilder b = new StringBuilder();
    for (Function<Map<String, Object>, String> p : parts) {
      b.append(p.apply(row));
    }
    return b.toString();
  }

  /** The value at {@code path} ({@code State.Status}) in nested maps; null if any step lacks it. */
  private static Object lookup(Map<String, Object> row, String path) {
    Object v = row;
    for (String step : path.split("\\.")) {
      if (!(v instanceof Map<?, ?> m)) {
        return null;
      }
      v = m.get(step);
    }
    return v;
  }

  /** {@code value} as indented JSON, as {@code --json} prints it. */
  static String pretty(Object value) {
    try {
      return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON of " + value.getClass().getName(), e);
    }
  }

  /** {@code value} as one line of JSON. */
  static String json(Object value) {
    try {
      return Json.mapper().writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON of " + value, e);
    }
  }
}
