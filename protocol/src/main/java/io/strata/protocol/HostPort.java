package io.strata.protocol;

import java.net.InetSocketAddress;

/**
 * A {@code HOST:PORT} as given to {@code --listen}, {@code --host} and {@code --metrics}; IPv6
 * hosts are written in brackets ({@code [::1]:7420}).
 *
 * @param host a name or literal address, without brackets
 * @param port 0 to 65535 (0: any free port, for listening)
 */
public record HostPort(String host, int port) {
  /** The port stratad listens on by default. */
  public static final int DEFAULT_PORT = 7420;

  public HostPort {
    if (host.isEmpty()) {
      throw new IllegalArgumentException("address :" + port + ": the host is empty");
    }
    if (port < 0 || port > 0xFFFF) {
      throw new IllegalArgumentException(
          "address " + host + ":" + port + ": port must be 0 to 65535");
    }
  }

  /** Parses {@code HOST:PORT} or {@code [V6]:PORT}. */
  public static HostPort parse(String text) {
    String t = text.trim();
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException("address " + text + ": expected HOST:PORT");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "address " + text + ": write an IPv6 host in brackets, e.g. [::1]:7420");
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "address " + text + ": port " + t.substring(colon + 1) + " is not a number", e);
    }
    if (port < 0 || port > 0xFFFF) {
      throw new IllegalArgumentException("address " + text + ": port must be 0 to 65535");
    }
    return new HostPort(host, port);
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** How an actual socket address is printed in the ready line and messages. */
  public static String format(InetSocketAddress a) {
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return new HostPort(host, a.getPort()).toString();
  }
}
