package io.strata.store.deflate.klauspost;

/**
 * klauspost's {@code sortByFreq}, step for step: Go's old quicksort (ninther pivots, shell and
 * insertion sort below 13 elements) on keys {@code freq << 16 | symbol}. Any correct sort gives the
 * same order, since no two keys are equal, except where the quicksort runs out of depth: there
 * klauspost falls back to a heapsort that compares symbols only (its {@code heapSort} is the one of
 * its sort by literal), leaving that range in symbol order, which changes the code and so the
 * output. So the sort is copied, fallback included, rather than left to {@code Arrays.sort}.
 */
final class SortByFreq {
  private SortByFreq() {}

  static void sort(long[] d, int n) {
    quickSort(d, 0, n, maxDepth(n));
  }

  private static int maxDepth(int n) {
    int depth = 0;
    for (int i = n; i > 0; i >>= 1) {
      depth++;
    }
    return depth * 2;
  }

  private static void swap(long[] d, int i, int j) {
    long t = d[i];
    d[i] = d[j];
    d[j] = t;
  }

  private static void quickSort(long[] d, int a, int b, int maxDepth) {
    while (b - a > 12) {
      if (maxDepth == 0) {
        heapSortBySymbol(d, a, b);
        return;
      }
      maxDepth--;
      long mid = doPivot(d, a, b);
      int mlo = (int) (mid >>> 32);
      int mhi = (int) mid;
      if (mlo - a < b - mhi) {
        quickSort(d, a, mlo, maxDepth);
        a = mhi;
      } else {
        quickSort(d, mhi, b, maxDepth);
        b = mlo;
      }
    }
    if (b - a > 1) {
      for (int i = a + 6; i < b; i++) {
        if (d[i] < d[i - 6]) {
          swap(d, i, i - 6);
        }
      }
      for (int i = a + 1; i < b; i++) {
        for (int j = i; j > a && d[j] < d[j - 1]; j--) {
          swap(d, j, j - 1);
        }
      }
    }
  }

  private static void medianOfThree(long[] d, int m1, int m0, int m2) {
    if (d[m1] < d[m0]) {
      swap(d, m1, m0);
    }
    if (d[m2] < d[m1]) {
      swap(d, m2, m1);
      if (d[m1] < d[m0]) {
        swap(d, m1, m0);
      }
    }
  }

  /** Go's doPivot; returns midlo in the high and midhi in the low 32 bits. */
  private static long doPivot(long[] d, int lo, int hi) {
    int m = (lo + hi) >>> 1;
    if (hi - lo > 40) {
      int s = (hi - lo) / 8;
      medianOfThree(d, lo, lo + s, lo + 2 * s);
      medianOfThree(d, m, m - s, m + s);
      medianOfThree(d, hi - 1, hi - 1 - s, hi - 1 - 2 * s);
    }
    medianOfThree(d, lo, m, hi - 1);
    int pivot = lo;
    int a = lo + 1;
    int c = hi - 1;
    for (; a < c && d[a] < d[pivot]; a++) {}
    int b = a;
    while (true) {
      for (; b < c && d[pivot] > d[b]; b++) {}
      for (; b < c && d[pivot] < d[c - 1]; c--) {}
      if (b >= c) {
        break;
      }
      swap(d, b, c - 1);
      b++;
      c--;
    }
    boolean protect = hi - c < 5;
    if (!protect && hi - c < (hi - lo) / 4) {
      int dups = 0;
      if (d[pivot] > d[hi - 1]) {
        swap(d, c, hi - 1);
        c++;
        dups++;
      }
      if (d[b - 1] > d[pivot]) {
        b--;
        dups++;
      }
      if (d[m] > d[pivot]) {
        swap(d, m, b - 1);
        b--;
        dups++;
      }
      protect = dups > 1;
    }
    if (protect) {
      while (true) {
        for (; a < b && d[b - 1] > d[pivot]; b--) {}
        for (; a < b && d[a] < d[pivot]; a++) {}
        if (a >= b) {
          break;
        }
        swap(d, a, b - 1);
        a++;
        b--;
      }
    }
    swap(d, pivot, b - 1);
    return (long) (b - 1) << 32 | (c & 0xffffffffL);
  }

  private static int symbol(long key) {
    return (int) (key & 0xffff);
  }

  private static void heapSortBySymbol(long[] d, int a, int b) {
    int first = a;
    int hi = b - a;
    for (int i = (hi - 1) / 2; i >= 0; i--) {
      siftDown(d, i, hi, first);
    }
    for (int i = hi - 1; i >= 0; i--) {
      swap(d, first, first + i);
      siftDown(d, 0, i, first);
    }
  }

  private static void siftDown(long[] d, int lo, int hi, int first) {
    int root = lo;
    while (true) {
      int child = 2 * root + 1;
      if (child >= hi) {
        return;
      }
      if (child + 1 < hi && symbol(d[first + child]) < symbol(d[first + child + 1])) {
        child++;
      }
      if (symbol(d[first + root]) > symbol(d[first + child])) {
        return;
      }
      swap(d, first + root, first + child);
      root = child;
    }
  }
}
