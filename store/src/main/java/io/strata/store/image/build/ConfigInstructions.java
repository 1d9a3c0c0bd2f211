package io.strata.store.image.build;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.layer.JsonCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The instructions that change only an image config (no layer), applied as Docker records them in
 * {@code config}: {@code ENV} (Env), {@code LABEL} (Labels), {@code WORKDIR} (WorkingDir), {@code
 * USER}, {@code CMD}, {@code ENTRYPOINT}, {@code EXPOSE} (ExposedPorts), {@code VOLUME} (Volumes),
 * {@code STOPSIGNAL}, {@code HEALTHCHECK}, {@code SHELL}, {@code ONBUILD} (OnBuild) and {@code
 * MAINTAINER} (the top-level author). One instance per stage: setting {@code ENTRYPOINT} clears a
 * {@code CMD} the stage inherited from its base, as Docker does, but not one the stage set.
 */
final class ConfigInstructions {
  private static final Pattern PORT = Pattern.compile("(\\d+)(?:-(\\d+))?(?:/(tcp|udp|sctp))?");

  /** Linux's signal names, with or without SIG, RTMIN/RTMAX with an offset, or a number. */
  private static final Pattern SIGNAL =
      Pattern.compile(
          "(SIG)?(HUP|INT|QUIT|ILL|TRAP|ABRT|IOT|BUS|FPE|KILL|USR1|SEGV|USR2|PIPE|ALRM|TERM|STKFLT"
              + "|CHLD|CONT|STOP|TSTP|TTIN|TTOU|URG|XCPU|XFSZ|VTALRM|PROF|WINCH|IO|POLL|PWR|SYS"
              + "|RTMIN(\\+[0-9]+)?|RTMAX(-[0-9]+)?)|[0-9]+");

  private static final Pattern DURATION_PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?)(ns|us|µs|ms|s|m|h)");

  private final ObjectNode config;
  private boolean cmdSet;

  ConfigInstructions(ObjectNode config) {
    this.config = config;
  }

  void apply(Instruction in) {
    ObjectNode c = config.withObject("config");
    switch (in.keyword()) {
      case "ENV" -> {
        for (String[] kv : pairs(in)) {
          ArrayNode env = c.withArray("Env");
          for (int i = env.size() - 1; i >= 0; i--) {
            if (env.get(i).asText().startsWith(kv[0] + "=")) {
              env.remove(i);
            }
          }
          env.add(kv[0] + "=" + kv[1]);
        }
      }
      case "LABEL" -> {
        for (String[] kv : pairs(in)) {
          c.withObject("Labels").put(kv[0], kv[1]);
        }
      }
      case "WORKDIR" -> c.put("WorkingDir", ImageBuilder.resolve(workdir(config), in.args()));
      case "USER" -> c.put("User", in.args());
      case "CMD" -> {
        putArray(c, "Cmd", command(in, c));
        cmdSet = true;
      }
      case "ENTRYPOINT" -> {
        putArray(c, "Entrypoint", command(in, c));
        if (!cmdSet) {
          c.remove("Cmd");
        }
      }
      case "EXPOSE" -> {
        for (String p : Dockerfile.words(in.args())) {
          exposePort(c.withObject("ExposedPorts"), p, in);
        }
      }
      case "VOLUME" -> {
        List<String> paths = in.json() != null ? in.json() : Dockerfile.words(in.args());
        for (String p : paths) {
          if (p.isBlank()) {
            throw refuse(in, "VOLUME needs a path, not an empty string");
          }
          c.withObject("Volumes").putObject(p);
        }
      }
      case "STOPSIGNAL" -> {
        String sig = in.args().strip();
        if (!SIGNAL.matcher(sig.toUpperCase(Locale.ROOT)).matches()) {
          throw refuse(in, "STOPSIGNAL " + sig + " is not a signal (SIGTERM, SIGRTMIN+3, 15)");
        }
        c.put("StopSignal", sig);
      }
      case "HEALTHCHECK" -> c.set("Healthcheck", healthcheck(in));
      case "SHELL" -> {
        if (in.json() == null || in.json().isEmpty()) {
          throw refuse(in, "SHELL needs its arguments in JSON form, e.g. [\"/bin/bash\", \"-c\"]");
        }
        putArray(c, "Shell", in.json());
      }
      case "ONBUILD" -> {
        // stored as Docker stores a trigger: its instruction upper case, the rest as written
        // (RUN too: it is only refused when a build triggers it)
        String[] kw = in.args().split("\\s+", 2);
        c.withArray("OnBuild")
            .add(kw[0].toUpperCase(Locale.ROOT) + (kw.length > 1 ? " " + kw[1] : ""));
      }
      case "MAINTAINER" -> config.put("author", in.args());
      default -> throw new IllegalStateException("not a config instruction: " + in.keyword());
    }
  }

  static String workdir(ObjectNode config) {
    String w = config.path("config").path("WorkingDir").asText("");
    return w.isEmpty() ? "/" : w;
  }

  /** The exec form as written, or the shell form run by the stage's SHELL (default /bin/sh -c). */
  private static List<String> command(Instruction in, ObjectNode c) {
    if (in.json() != null) {
      return in.json();
    }
    List<String> out = new ArrayList<>();
    if (c.path("Shell").isArray() && !c.path("Shell").isEmpty()) {
      c.path("Shell").forEach(n -> out.add(n.asText()));
    } else {
      out.addAll(List.of("/bin/sh", "-c"));
    }
    out.add(in.args());
    return out;
  }

  private static void putArray(ObjectNode c, String field, List<String> values) {
    ArrayNode a = c.putArray(field);
    values.forEach(a::add);
  }

  private static void exposePort(ObjectNode ports, String spec, Instruction in) {
    Matcher m = PORT.matcher(spec.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw refuse(in, "EXPOSE " + spec + " is not a port (80, 80/tcp, 53/udp, 8000-8010)");
    }
    int from = port(m.group(1), spec, in);
    int to = m.group(2) == null ? from : port(m.group(2), spec, in);
    if (to < from) {
      throw refuse(in, "EXPOSE " + spec + ": the range ends before it starts");
    }
    String proto = m.group(3) == null ? "tcp" : m.group(3);
    for (int p = from; p <= to; p++) {
      ports.putObject(p + "/" + proto);
    }
  }

  private static int port(String digits, String spec, Instruction in) {
    int p;
    try {
      p = Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < 0 || p > 65535) {
      throw refuse(in, "EXPOSE " + spec + ": port out of range 0-65535");
    }
    return p;
  }

  /**
   * {@code HEALTHCHECK NONE}, or {@code HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D]
   * [--start-interval=D] [--retries=N] CMD command}, as Docker stores it: {@code Test} is {@code
   * ["NONE"]}, {@code ["CMD", args...]} (JSON form) or {@code ["CMD-SHELL", command]}; durations in
   * nanoseconds, left out when not given.
   */
  private static ObjectNode healthcheck(Instruction in) {
    ObjectNode h = JsonCodec.MAPPER.createObjectNode();
    String rest = in.args().strip();
    if (rest.equalsIgnoreCase("NONE")) {
      h.putArray("Test").add("NONE");
      return h;
    }
    while (rest.startsWith("--")) {
      int sp = rest.indexOf(' ');
      String flag = sp < 0 ? rest : rest.substring(0, sp);
      rest = sp < 0 ? "" : rest.substring(sp).strip();
      int eq = flag.indexOf('=');
      String name = eq < 0 ? flag : flag.substring(0, eq);
      String value = eq < 0 ? "" : flag.substring(eq + 1);
      switch (name) {
        case "--interval" -> h.put("Interval", duration(value, flag, in));
        case "--timeout" -> h.put("Timeout", duration(value, flag, in));
        case "--start-period" -> h.put("StartPeriod", duration(value, flag, in));
        case "--start-interval" -> h.put("StartInterval", duration(value, flag, in));
        case "--retries" -> {
          try {
            int n = Integer.parseInt(value);
            if (n < 0) {
              throw new NumberFormatException();
            }
            h.put("Retries", n);
          } catch (NumberFormatException e) {
            throw refuse(in, "HEALTHCHECK " + flag + ": expected a number of retries", e);
          }
        }
        default -> throw refuse(in, "HEALTHCHECK flag " + flag + " is not known");
      }
    }
    int sp = rest.indexOf(' ');
    if (sp < 0 || !rest.substring(0, sp).equalsIgnoreCase("CMD")) {
      throw refuse(in, "HEALTHCHECK expects NONE or [OPTIONS] CMD command");
    }
    Instruction cmd = Dockerfile.instruction("CMD " + rest.substring(sp).strip(), in.line());
    ArrayNode test = JsonCodec.MAPPER.createArrayNode();
    if (cmd.json() != null) {
      test.add("CMD");
      cmd.json().forEach(test::add);
    } else {
      test.add("CMD-SHELL").add(cmd.args());
    }
    ObjectNode out = JsonCodec.MAPPER.createObjectNode();
    out.set("Test", test);
    out.setAll(h);
    return out;
  }

  /** A Go duration ({@code 30s}, {@code 1m30s}, {@code 1.5h}, {@code 500ms}) in nanoseconds. */
  static long duration(String s, String flag, Instruction in) {
    Matcher m = DURATION_PART.matcher(s);
    double total = 0;
    int at = 0;
    while (at < s.length() && m.find(at) && m.start() == at) {
      double n = Double.parseDouble(m.group(1));
      total +=
          n
              * switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
              };
      at = m.end();
    }
    if (s.isEmpty() || at != s.length()) {
      throw refuse(in, "HEALTHCHECK " + flag + ": expected a duration such as 30s or 1m30s");
    }
    long ns = Math.round(total);
    if (ns != 0 && ns < 1_000_000L) {
      throw refuse(in, "HEALTHCHECK " + flag + ": a duration of at least 1ms");
    }
    return ns;
  }

  /** {@code K=V K2=V2}, or the legacy {@code K V...}. */
  static List<String[]> pairs(Instruction in) {
    List<String> words = Dockerfile.words(in.args());
    List<String[]> out = new ArrayList<>();
    if (!words.get(0).contains("=")) {
      String rest = in.args().substring(in.args().indexOf(words.get(0)) + words.get(0).length());
      out.add(new String[] {words.get(0), rest.strip()});
      return out;
    }
    for (String w : words) {
      int eq = w.indexOf('=');
      if (eq <= 0) {
        throw refuse(in, in.keyword() + " expects KEY=VALUE, got " + w);
      }
      out.add(new String[] {w.substring(0, eq), w.substring(eq + 1)});
    }
    return out;
  }

  private static InvalidArgumentException refuse(Instruction in, String why) {
    return new InvalidArgumentException("Dockerfile line " + in.line() + ": " + why);
  }

  private static InvalidArgumentException refuse(Instruction in, String why, Throwable cause) {
    return new InvalidArgumentException("Dockerfile line " + in.line() + ": " + why, cause);
  }
}
