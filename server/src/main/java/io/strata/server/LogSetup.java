package io.strata.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * stratad's log on stderr: {@code --log-level error|warn|info|debug} and {@code --log-format
 * text|json}. Text lines are {@code 2026-12-04 21:51:45.123 INFO io.strata...: message}; JSON lines
 * are one object each ({@code time}, {@code level}, {@code logger}, {@code message}, and {@code
 * error} with the cause's stack when there is one), for log shippers.
 */
final class LogSetup {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LogSetup() {}

  /** The JUL level of a {@code --log-level} value; null when it is none of them. */
  static Level level(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "error" -> Level.SEVERE;
      case "warn", "warning" -> Level.WARNING;
      case "info" -> Level.INFO;
      case "debug" -> Level.FINE;
      default -> null;
    };
  }

  /** Sends every log record at {@code level} or above to stderr in {@code format}. */
  static void configure(Level level, String format) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler console = new ConsoleHandler();
    console.setLevel(level);
    console.setFormatter(format.equals("json") ? new JsonFormatter() : new SimpleFormatter());
    root.addHandler(console);
    root.setLevel(level);
  }

  /** One JSON object per record. */
  static final class JsonFormatter extends Formatter {
    @Override
    public String format(LogRecord r) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("time", Instant.ofEpochMilli(r.getMillis()).toString());
      line.put("level", name(r.getLevel()));
      line.put("logger", r.getLoggerName());
      line.put("message", formatMessage(r));
      if (r.getThrown() != null) {
        StringWriter stack = new StringWriter();
        r.getThrown().printStackTrace(new PrintWriter(stack));
        line.put("error", stack.toString());
      }
      try {
        return JSON.writeValueAsString(line) + System.lineSeparator();
      } catch (JsonProcessingException e) {
        return "{\"level\":\"ERROR\",\"message\":\"cannot write a log line as JSON\"}"
            + System.lineSeparator();
      }
    }

    private static String name(Level l) {
      if (l.intValue() >= Level.SEVERE.intValue()) {
        return "ERROR";
      }
      if (l.intValue() >= Level.WARNING.intValue()) {
        return "WARN";
      }
      if (l.intValue() >= Level.INFO.intValue()) {
        return "INFO";
      }
      return "DEBUG";
    }
  }
}
