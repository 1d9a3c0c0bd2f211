package io.strata.store.testing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A generator of one parameter of a {@link Property}: random values from a seeded random, the edge
 * cases a property must always meet (empty, min, max, the values beside them), and smaller
 * candidates for a failing value, tried in order when {@link Property} shrinks it.
 *
 * @param <T> the values it makes
 */
public interface Gen<T> {
  /** A random value. */
  T next(SplittableRandom r);

  /** Values every run tries, whatever the seed; none by default. */
  default List<T> edgeCases() {
    return List.of();
  }

  /** Simpler values than {@code value}, simplest first; none by default. */
  default List<T> shrink(T value) {
    return List.of();
  }

  /**
   * Integers from {@code min} to {@code max}, both included, uniformly; the edge cases are the
   * bounds, the values beside them, and -1, 0 and 1 when in range. Shrinks toward 0, or the bound
   * nearest it.
   */
  static Gen<Integer> ints(int min, int max) {
    Gen<Long> longs = longs(min, max);
    return new Gen<>() {
      @Override
      public Integer next(SplittableRandom r) {
        return longs.next(r).intValue();
      }

      @Override
      public List<Integer> edgeCases() {
        return longs.edgeCases().stream().map(Long::intValue).toList();
      }

      @Override
      public List<Integer> shrink(Integer value) {
        return longs.shrink((long) value).stream().map(Long::intValue).toList();
      }
    };
  }

  /** As {@link #ints}, for longs. */
  static Gen<Long> longs(long min, long max) {
    if (min > max) {
      throw new IllegalArgumentException("empty range " + min + ".." + max);
    }
    long target = min > 0 ? min : Math.min(max, 0);
    return new Gen<>() {
      @Override
      public Long next(SplittableRandom r) {
        if (max < Long.MAX_VALUE) {
          return r.nextLong(min, max + 1);
        }
        return min == Long.MIN_VALUE ? r.nextLong() : r.nextLong(min - 1, max) + 1;
      }

      @Override
      public List<Long> edgeCases() {
        Set<Long> out = new LinkedHashSet<>();
        for (long v : new long[] {min, min + 1, -1, 0, 1, max - 1, max}) {
          if (v >= min && v <= max) {
            out.add(v);
          }
        }
        return List.copyOf(out);
      }

      @Override
      public List<Long> shrink(Long value) {
        // The target first, then halfway there, a quarter of the way... and one step.
        Set<Long> out = new LinkedHashSet<>();
        long v = value;
        if (v == target) {
          return List.of();
        }
        out.add(target);
        long gap = v - target;
        while (gap / 2 != 0) {
          gap /= 2;
          out.add(v - gap);
        }
        out.add(v > target ? v - 1 : v + 1);
        return List.copyOf(out);
      }
    };
  }

  /** False and true, equally often; both are edge cases; true shrinks to false. */
  static Gen<Boolean> booleans() {
    return new Gen<>() {
      @Override
      public Boolean next(SplittableRandom r) {
        return r.nextBoolean();
      }

      @Override
      public List<Boolean> edgeCases() {
        return List.of(false, true);
      }

      @Override
      public List<Boolean> shrink(Boolean value) {
        return value ? List.of(false) : List.of();
      }
    };
  }

  /**
   * Strings of {@code minLength} to {@code maxLength} chars, each any UTF-16 code unit but a
   * surrogate (half the time a printable ASCII one). Edge cases: the shortest string of 'a', of
   * '\0' and of '\uffff', and the longest of 'a'. Shrinks by dropping chars, then toward 'a'.
   */
  static Gen<String> strings(int minLength, int maxLength) {
    return new Gen<>() {
      @Override
      public String next(SplittableRandom r) {
        int n = r.nextInt(minLength, maxLength + 1);
        StringBuilder b = new StringBuilder(n);
        while (b.length() < n) {
          char c = r.nextBoolean() ? (char) r.nextInt(0x20, 0x7f) : (char) r.nextInt(0x10000);
          if (!Character.isSurrogate(c)) {
            b.append(c);
          }
        }
        return b.toString();
      }

      @Override
      public List<String> edgeCases() {
        Set<String> out = new LinkedHashSet<>();
        out.add("a".repeat(minLength));
        out.add("\0".repeat(minLength));
        out.add("\uffff".repeat(minLength));
        out.add("a".repeat(maxLength));
        return List.copyOf(out);
      }

      @Override
      public List<String> shrink(String value) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < value.length() && value.length() > minLength; i++) {
          out.add(value.substring(0, i) + value.substring(i + 1));
        }
        for (int i = 0; i < value.length(); i++) {
          if (value.charAt(i) != 'a') {
            out.add(value.substring(0, i) + 'a' + value.substring(i + 1));
          }
        }
        return out;
      }
    };
  }
}
