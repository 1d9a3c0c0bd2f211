package io.strata.containerd;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * containerd's filter language (its {@code filters} package), as List calls send it: a call's
 * filters are OR-ed; each is selectors joined by {@code ,} and AND-ed; a selector is a field path
 * ({@code name}, {@code labels."containerd.io/gc.root"}) alone (present) or with {@code ==}, {@code
 * !=} or {@code ~=} (regular expression) and a value, bare or quoted.
 *
 * <pre>
 * filter   := selector (',' selector)*
 * selector := path (op value)?
 * path     := field ('.' field)*
 * field    := [A-Za-z0-9_]+ | quoted
 * op       := '==' | '!=' | '~='
 * value    := quoted | [^,]*  (trimmed)
 * quoted   := '"' ( '\' any | [^"\] )* '"'
 * </pre>
 */
final class Filters {
  private enum Op {
    PRESENT,
    EQUAL,
    NOT_EQUAL,
    MATCHES
  }

  private record Selector(List<String> path, Op op, String value, Pattern regex) {}

  private final List<List<Selector>> any;

  private Filters(List<List<Selector>> any) {
    this.any = any;
  }

  /** Parses {@code filters}; a malformed one is INVALID_ARGUMENT. None: everything matches. */
  static Filters parse(List<String> filters) {
    List<List<Selector>> any = new ArrayList<>();
    for (String f : filters) {
      if (!f.isBlank()) {
        any.add(new Parser(f).filter());
      }
    }
    return new Filters(any);
  }

  /**
   * Whether an object matches: {@code field} gives the value at a field path, or null when the
   * object has no such field.
   */
  boolean matches(Function<List<String>, String> field) {
    if (any.isEmpty()) {
      return true;
    }
    for (List<Selector> all : any) {
      if (all.stream().allMatch(s -> matches(s, field.apply(s.path())))) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(Selector s, String value) {
    return switch (s.op()) {
      case PRESENT -> value != null;
      case EQUAL -> value != null && value.equals(s.value());
      case NOT_EQUAL -> !(value == null ? "" : value).equals(s.value());
      case MATCHES -> value != null && s.regex().matcher(value).find();
    };
  }

  private static final class Parser {
    private final String text;
    private int pos;

    Parser(String text) {
      this.text = text;
    }

    List<Selector> filter() {
      List<Selector> all = new ArrayList<>();
      while (true) {
        all.add(selector());
        skipSpace();
        if (pos == text.length()) {
          return all;
        }
        expect(',');
      }
    }

    private Selector selector() {
      skipSpace();
      List<String> path = new ArrayList<>();
      path.add(field());
      while (pos < text.length() && text.charAt(pos) == '.') {
        pos++;
        path.add(field());
      }
      skipSpace();
      if (pos == text.length() || text.charAt(pos) == ',') {
        return new Selector(List.copyOf(path), Op.PRESENT, null, null);
      }
      Op op;
      if (text.startsWith("==", pos)) {
        op = Op.EQUAL;
      } else if (text.startsWith("!=", pos)) {
        op = Op.NOT_EQUAL;
      } else if (text.startsWith("~=", pos)) {
        op = Op.MATCHES;
      } else {
        throw error("expected ==, != or ~=");
      }
      pos += 2;
      skipSpace();
      String value;
      if (pos < text.length() && (text.charAt(pos) == '"' || text.charAt(pos) == '`')) {
        value = quoted();
      } else {
        int end = text.indexOf(',', pos);
        end = end < 0 ? text.length() : end;
        value = text.substring(pos, end).trim();
        pos = end;
      }
      Pattern regex = null;
      if (op == Op.MATCHES) {
        try {
          regex = Pattern.compile(value);
        } catch (PatternSyntaxException e) {
          throw error("bad regular expression " + value);
        }
      }
      return new Selector(List.copyOf(path), op, value, regex);
    }

    private String field() {
      if (pos < text.length() && (text.charAt(pos) == '"' || text.charAt(pos) == '`')) {
        return quoted();
      }
      int start = pos;
      while (pos < text.length()
          && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
        pos++;
      }
      if (start == pos) {
        throw error("expected a field name");
      }
      return text.substring(start, pos);
    }

    private String quoted() {
      char quote = text.charAt(pos++);
      StringBuilder out = new StringBuilder();
      while (pos < text.length()) {
        char c = text.charAt(pos++);
        if (c == quote) {
          return out.toString();
        }
        if (c == '\\' && quote == '"' && pos < text.length()) {
          c = text.charAt(pos++);
          c =
              switch (c) {
                case 'n' -> '\n';
                case 't' -> '\t';
                default -> c;
              };
        }
        out.append(c);
      }
      throw error("unterminated quoted string");
    }

    private void skipSpace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private void expect(char c) {
      if (pos >= text.length() || text.charAt(pos) != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    private RuntimeException error(String what) {
      return ErrorCodes.invalid("filter " + text + ": " + what + " at offset " + pos);
    }
  }
}
